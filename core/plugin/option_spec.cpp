#include "core/plugin/option_spec.hpp"

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <regex>
#include <set>
#include <stdexcept>

namespace mailgate::core::plugin {
namespace {

constexpr std::size_t option_v1_size = offsetof(mg_option, description) + sizeof(const char*);
constexpr uint32_t known_option_flags = MG_OPTION_REQUIRED | MG_OPTION_SECRET;

bool valid_name(const char* name)
{
    static const std::regex pattern("[a-z][a-z0-9_]{0,63}");
    return name != nullptr && std::regex_match(name, pattern);
}

option_spec read_one(const mg_option& o, uint32_t index)
{
    auto fail = [index](const std::string& why) {
        throw std::runtime_error("option #" + std::to_string(index) + ": " + why);
    };
    if (!valid_name(o.name)) {
        fail("name is missing or not [a-z][a-z0-9_]*");
    }
    option_spec spec;
    spec.name = o.name;
    spec.type = o.type;
    spec.required = (o.flags & MG_OPTION_REQUIRED) != 0;
    spec.secret = (o.flags & MG_OPTION_SECRET) != 0;
    spec.description = o.description != nullptr ? o.description : "";
    if (o.type != MG_OPTION_STRING && o.type != MG_OPTION_INT && o.type != MG_OPTION_BOOL) {
        fail("'" + spec.name + "' has unknown type " + std::to_string(o.type));
    }
    if ((o.flags & ~known_option_flags) != 0) {
        fail("'" + spec.name + "' has unknown flags");
    }
    if (o.default_value != nullptr) {
        if (spec.required) {
            fail("'" + spec.name + "' is required and has a default");
        }
        spec.default_value = canonical_value(o.type, o.default_value);
        if (!spec.default_value) {
            fail("'" + spec.name + "' has a default that is not a " + option_type_name(o.type));
        }
    }
    return spec;
}

} // namespace

const char* option_type_name(int32_t type) noexcept
{
    switch (type) {
    case MG_OPTION_INT:
        return "int";
    case MG_OPTION_BOOL:
        return "bool";
    default:
        return "string";
    }
}

std::optional<std::string> canonical_value(int32_t type, const std::string& text)
{
    if (type == MG_OPTION_INT) {
        int64_t value = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
            return std::nullopt;
        }
        return std::to_string(value);
    }
    if (type == MG_OPTION_BOOL) {
        static const std::set<std::string> yes{"true", "yes", "on"};
        static const std::set<std::string> no{"false", "no", "off"};
        std::string lower = text;
        std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
        if (yes.count(lower) != 0) {
            return "true";
        }
        if (no.count(lower) != 0) {
            return "false";
        }
        return std::nullopt;
    }
    return text;
}

std::vector<option_spec> read_option_table(const mg_driver& driver)
{
    std::vector<option_spec> table;
    if (driver.option_count == 0) {
        return table;
    }
    if (driver.options == nullptr) {
        throw std::runtime_error("option_count is " + std::to_string(driver.option_count) +
                                 " but options is NULL");
    }
    // Elements may have grown in a later minor: step by the driver's element size.
    const uint32_t stride = driver.options[0].struct_size;
    if (stride < option_v1_size) {
        throw std::runtime_error("option struct_size " + std::to_string(stride) + " is too small");
    }
    std::set<std::string> seen;
    const auto* bytes = reinterpret_cast<const unsigned char*>(driver.options);
    for (uint32_t i = 0; i < driver.option_count; ++i) {
        const auto& o = *reinterpret_cast<const mg_option*>(bytes + std::size_t(i) * stride);
        if (o.struct_size != stride) {
            throw std::runtime_error("option #" + std::to_string(i) + " has struct_size " +
                                     std::to_string(o.struct_size) + ", the first has " +
                                     std::to_string(stride));
        }
        option_spec spec = read_one(o, i);
        if (!seen.insert(spec.name).second) {
            throw std::runtime_error("option '" + spec.name + "' is declared twice");
        }
        table.push_back(std::move(spec));
    }
    return table;
}

} // namespace mailgate::core::plugin
