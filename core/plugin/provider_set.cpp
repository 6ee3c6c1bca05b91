#include "core/plugin/provider_set.hpp"

#include "core/base/closest_word.hpp"
#include "core/config/config_error.hpp"
#include "core/plugin/provider_options.hpp"

#include <algorithm>

namespace mailgate::core::plugin {

namespace {

// Secret options reach the driver resolved; their problems join the provider's others.
void resolve_secrets(const config::provider_config& provider, const driver_library& library,
                     const config::secret_resolver& secrets, validated_options& options)
{
    for (const auto& spec : library.options()) {
        auto given = provider.options.find(spec.name);
        if (!spec.secret || given == provider.options.end()) {
            continue;
        }
        try {
            options.values[spec.name] = secrets.resolve(
                given->second, "provider '" + provider.nickname + "': option '" + spec.name + "'");
        } catch (const config::config_error& e) {
            options.problems.insert(options.problems.end(), e.problems().begin(),
                                    e.problems().end());
        }
    }
}

} // namespace

provider_set provider_set::create(const config::gateway_config& config,
                                  const driver_registry& registry,
                                  const config::secret_resolver& secrets)
{
    provider_set set;
    std::vector<std::string> problems;
    for (const auto& provider : config.providers) {
        auto library = registry.find(provider.driver);
        if (!library) {
            std::vector<std::string> ids;
            for (const auto& d : registry.drivers()) {
                ids.push_back(d->id());
            }
            problems.push_back(provider.where + ": provider '" + provider.nickname + "': driver '" +
                               provider.driver + "' is not loaded from " +
                               registry.directory().string() +
                               base::did_you_mean(provider.driver, ids));
            continue;
        }
        auto options = validate_options(provider, library->options());
        resolve_secrets(provider, *library, secrets, options);
        if (!options.problems.empty()) {
            problems.insert(problems.end(), options.problems.begin(), options.problems.end());
            continue;
        }
        try {
            set.providers_.push_back(
                std::make_unique<driver_instance>(library, provider.nickname, options.values));
        } catch (const create_error& e) {
            // At the option the driver named when the file gives it, else at the provider.
            const auto given = provider.options.find(e.option());
            problems.push_back(
                (given != provider.options.end() ? given->second.where : provider.where) + ": " +
                e.what());
        }
    }
    if (!problems.empty()) {
        throw config::config_error(std::move(problems));
    }
    return set;
}

const driver_instance* provider_set::find(std::string_view nickname) const
{
    auto it = std::find_if(providers_.begin(), providers_.end(),
                           [nickname](const auto& p) { return p->provider() == nickname; });
    return it == providers_.end() ? nullptr : it->get();
}

} // namespace mailgate::core::plugin
