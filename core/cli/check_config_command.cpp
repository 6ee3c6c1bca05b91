#include "core/cli/command_options.hpp"
#include "core/cli/gateway_setup.hpp"

#include "core/config/config_error.hpp"
#include "core/config/gateway_config.hpp"
#include "core/config/secret_resolver.hpp"
#include "core/outbound/delivery/sending_provider.hpp"

#include <fmt/format.h>

#include <iostream>

namespace mailgate::core::cli {

int run_check_config(const command_options& options)
{
    try {
        // What `serve` sets up before it opens storage, secrets included: an unset admin.token or
        // attribution.key variable is found here, not at the service's start.
        const gateway gw = open_gateway(options, false);
        outbound::delivery::sending_providers(gw.providers, gw.config.outbound);
        if (gw.config.storage.backend == "postgres") {
            // Resolved only: whether the server answers is for `serve` to find out.
            config::secret_resolver(gw.config).resolve(gw.config.storage.url, "storage.url");
        }
        std::cout << fmt::format("{}: OK ({} provider(s))\n", options.config_file.string(),
                                 gw.providers.providers().size());
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
