#include "core/plugin/provider_set.hpp"

#include "core/config/config_error.hpp"
#include "core/config/provider_options.hpp"

#include <algorithm>

namespace mailgate::core::plugin {

provider_set provider_set::create(const config::gateway_config& config,
                                  const driver_registry& registry)
{
    provider_set set;
    std::vector<std::string> problems;
    for (const auto& provider : config.providers) {
        auto library = registry.find(provider.driver);
        if (!library) {
            problems.push_back(provider.where + ": provider '" + provider.nickname +
                               "': driver '" + provider.driver + "' is not loaded from " +
                               registry.directory().string());
            continue;
        }
        auto options = config::validate_options(provider, library->options());
        if (!options.problems.empty()) {
            problems.insert(problems.end(), options.problems.begin(), options.problems.end());
            continue;
        }
        try {
            set.providers_.push_back(
                std::make_unique<driver_instance>(library, provider.nickname, options.values));
        } catch (const create_error& e) {
            problems.push_back(provider.where + ": " + e.what());
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
