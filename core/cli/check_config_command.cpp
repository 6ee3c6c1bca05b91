#include "core/cli/command_options.hpp"

#include "core/config/config_error.hpp"
#include "core/config/gateway_config.hpp"
#include "core/outbound/sending_provider.hpp"
#include "core/plugin/driver_registry.hpp"
#include "core/plugin/provider_set.hpp"

#include <fmt/format.h>

#include <iostream>

namespace mailgate::core::cli {

int run_check_config(const command_options& options)
{
    try {
        auto config = config::load_config(options.config_file);
        if (options.plugins_directory) {
            config.plugins_directory = *options.plugins_directory;
        }
        const config::secret_resolver secrets(config);
        const auto registry = plugin::driver_registry::scan(config.plugins_directory);
        const auto providers = plugin::provider_set::create(config, registry, secrets);
        outbound::sending_providers(providers, config.outbound);
        std::cout << fmt::format("{}: OK ({} provider(s))\n", options.config_file.string(),
                                 providers.providers().size());
        return 0;
    } catch (const config::config_error& e) {
        for (const auto& line : e.problems()) {
            std::cerr << line << "\n";
        }
        std::cerr << fmt::format("{}: {} problem(s)\n", options.config_file.string(),
                                 e.problems().size());
        return 1;
    }
}

} // namespace mailgate::core::cli
