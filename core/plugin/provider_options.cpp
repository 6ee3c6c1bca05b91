#include "core/plugin/provider_options.hpp"

#include "core/base/closest_word.hpp"

#include <algorithm>

namespace mailgate::core::plugin {
namespace {

std::string known_names(const std::vector<option_spec>& table)
{
    std::string names;
    for (const auto& spec : table) {
        names += (names.empty() ? "" : ", ") + spec.name;
    }
    return names.empty() ? "none" : names;
}

std::vector<std::string> names_of(const std::vector<option_spec>& table)
{
    std::vector<std::string> out;
    for (const auto& spec : table) {
        out.push_back(spec.name);
    }
    return out;
}

std::string expected(int32_t type)
{
    switch (type) {
    case MG_OPTION_INT:
        return "must be an integer";
    case MG_OPTION_BOOL:
        return "must be true or false";
    default:
        return "must be a single value";
    }
}

} // namespace

validated_options validate_options(const config::provider_config& provider,
                                   const std::vector<option_spec>& table)
{
    validated_options out;
    const std::string who = "provider '" + provider.nickname + "': ";
    for (const auto& [key, value] : provider.options) {
        auto spec = std::find_if(table.begin(), table.end(),
                                 [&key](const auto& s) { return s.name == key; });
        if (spec == table.end()) {
            out.problems.push_back(value.where + ": " + who + "unknown option '" + key + "'" +
                                   base::did_you_mean(key, names_of(table)) + " (driver '" +
                                   provider.driver + "' takes: " + known_names(table) + ")");
            continue;
        }
        auto canonical = value.scalar ? canonical_value(spec->type, value.text) : std::nullopt;
        if (!canonical) {
            std::string got = (!value.scalar || spec->secret) ? "" : ", got '" + value.text + "'";
            out.problems.push_back(value.where + ": " + who + "option '" + key + "' " +
                                   expected(spec->type) + got);
            continue;
        }
        out.values[key] = *canonical;
    }
    for (const auto& spec : table) {
        if (out.values.count(spec.name) != 0 || provider.options.count(spec.name) != 0) {
            continue;
        }
        if (spec.default_value) {
            out.values[spec.name] = *spec.default_value;
        } else if (spec.required) {
            out.problems.push_back(provider.where + ": " + who + "missing required option '" +
                                   spec.name + "'");
        }
    }
    return out;
}

} // namespace mailgate::core::plugin
