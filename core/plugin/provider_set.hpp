#pragma once

// The configured providers, each with its driver instance, looked up by nickname.

#include "core/config/gateway_config.hpp"
#include "core/config/secret_resolver.hpp"
#include "core/plugin/driver_instance.hpp"
#include "core/plugin/driver_registry.hpp"

#include <memory>
#include <string_view>
#include <vector>

namespace mailgate::core::plugin {

class provider_set {
public:
    /// Validates every provider's options against its driver's table, resolves its secret
    /// options and creates its instance. Throws config::config_error listing every problem of
    /// every provider.
    static provider_set create(const config::gateway_config& config,
                               const driver_registry& registry,
                               const config::secret_resolver& secrets);

    /// The provider with this nickname, or null. THREAD: any (the set is immutable).
    const driver_instance* find(std::string_view nickname) const;

    const std::vector<std::unique_ptr<driver_instance>>& providers() const noexcept
    {
        return providers_;
    }

private:
    std::vector<std::unique_ptr<driver_instance>> providers_;
};

} // namespace mailgate::core::plugin
