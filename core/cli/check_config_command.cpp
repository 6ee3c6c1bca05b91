#include "core/cli/command_options.hpp"
#include "core/cli/gateway_setup.hpp"
#include "core/cli/gateway_warnings.hpp"

#include "core/config/config_error.hpp"
#include "core/config/gateway_config.hpp"
#include "core/config/secret_resolver.hpp"
#include "core/outbound/delivery/sending_provider.hpp"
#include "core/plugin/driver_registry.hpp"
#include "core/plugin/provider_set.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <iostream>

namespace mailgate::core::cli {
namespace {

struct findings {
    std::vector<std::string> problems;
    std::vector<std::string> warnings;
    std::size_t providers = 0;
};

// The providers of a file with problems elsewhere: their own problems are found in the same
// pass, not after the others are mended.
std::vector<std::string> provider_problems(config::gateway_config config,
                                           const command_options& options)
{
    if (options.plugins_directory) {
        config.plugins_directory = *options.plugins_directory;
    }
    try {
        const config::secret_resolver secrets(config);
        const auto registry = plugin::driver_registry::scan(config.plugins_directory);
        plugin::provider_set::create(config, registry, secrets);
    } catch (const config::config_error& e) {
        return e.problems();
    } catch (const std::exception&) {
        // A folder that cannot be scanned, say: the file's own problems come first anyway.
    }
    return {};
}

// What `serve` sets up before it opens storage, secrets included: an unset admin.token or
// attribution.key variable is found here, not at the service's start.
findings check(const command_options& options)
{
    findings out;
    try {
        auto loaded = config::read_config(options.config_file);
        if (!loaded.problems.empty()) {
            out.problems = std::move(loaded.problems);
            const auto more = provider_problems(std::move(loaded.config), options);
            out.problems.insert(out.problems.end(), more.begin(), more.end());
            return out;
        }
        const gateway gw = open_gateway(options, false);
        const auto senders =
            outbound::delivery::sending_providers(gw.providers, gw.config.outbound);
        if (gw.config.storage.backend == "postgres") {
            // Resolved only: whether the server answers is for `serve` to find out.
            config::secret_resolver(gw.config).resolve(gw.config.storage.url, "storage.url");
        }
        const auto public_url =
            gw.config.server.public_url.empty()
                ? config::default_public_url(gw.config.server, gw.config.server.port)
                : gw.config.server.public_url;
        out.warnings = gateway_warnings(gw, senders, public_url);
        out.providers = gw.providers.providers().size();
    } catch (const config::config_error& e) {
        out.problems = e.problems();
    }
    return out;
}

boost::json::array json_lines(const std::vector<std::string>& lines)
{
    boost::json::array out;
    for (const auto& line : lines) {
        out.emplace_back(line);
    }
    return out;
}

} // namespace

int run_check_config(const command_options& options)
{
    const bool json = options.list_format == "json";
    if (options.list_format && !json && *options.list_format != "text") {
        std::cerr << "mailgate: check-config --format must be text or json\n";
        return 2;
    }
    const auto found = check(options);
    const bool ok = found.problems.empty() && (!options.strict || found.warnings.empty());
    const auto file = options.config_file.string();
    if (json) {
        std::cout << boost::json::serialize(boost::json::object{
                         {"file", file},
                         {"ok", ok},
                         {"providers", found.providers},
                         {"problems", json_lines(found.problems)},
                         {"warnings", json_lines(found.warnings)},
                     })
                  << "\n";
        return ok ? 0 : 1;
    }
    for (const auto& line : found.problems) {
        std::cerr << line << "\n";
    }
    for (const auto& line : found.warnings) {
        std::cerr << "warning: " << line << "\n";
    }
    if (!found.problems.empty()) {
        std::cerr << fmt::format("{}: {} problem(s), {} warning(s)\n", file, found.problems.size(),
                                 found.warnings.size());
    } else if (!ok) {
        std::cerr << fmt::format("{}: {} warning(s), which --strict refuses\n", file,
                                 found.warnings.size());
    } else {
        std::cout << fmt::format(
            "{}: OK ({} provider(s)){}\n", file, found.providers,
            found.warnings.empty() ? "" : fmt::format(", {} warning(s)", found.warnings.size()));
    }
    return ok ? 0 : 1;
}

} // namespace mailgate::core::cli
