#pragma once

// What `serve` and `replay` both build from a configuration file: the drivers, the providers
// (secrets resolved), metrics and storage.

#include "core/attribution/meta_token.hpp"
#include "core/attribution/return_path.hpp"
#include "core/attribution/unsubscribe_token.hpp"
#include "core/cli/command_options.hpp"
#include "core/config/gateway_config.hpp"
#include "core/events/suppression_policy.hpp"
#include "core/intake/bounce_intake.hpp"
#include "core/metrics/registry.hpp"
#include "core/plugin/driver_registry.hpp"
#include "core/plugin/provider_set.hpp"
#include "core/service/gateway_handler.hpp"
#include "core/storage/store.hpp"

#include <memory>
#include <string>
#include <vector>

namespace mailgate::core::cli {

struct gateway {
    config::gateway_config config;
    /// suppression: compiled; what every router of this gateway decides with.
    events::suppression_policy suppression;
    plugin::driver_registry registry;
    plugin::provider_set providers;
    std::vector<service::admin_token> admin_tokens; ///< resolved; none when not configured
    /// bounces.mailboxes' passwords, resolved, in the same order.
    std::vector<std::string> mailbox_passwords;
    /// Signs and verifies attribution tokens; null when no attribution.key is configured.
    std::unique_ptr<attribution::meta_codec> meta_codec;
    /// Signs and verifies the preference center's links; null when meta_codec is.
    std::unique_ptr<attribution::unsubscribe_codec> unsubscribe_codec;
    /// Signs and verifies return paths at the bounce domains; null when meta_codec is.
    std::unique_ptr<attribution::return_path_codec> return_path_codec;
    std::unique_ptr<metrics::registry> metrics;
    std::unique_ptr<storage::store> store; ///< declared after metrics: it records into them
};

/// The bytes of `file`, or of standard input for "-". Throws std::runtime_error naming a file
/// it cannot read.
std::string read_input(const std::string& file);

/// bounces.domains and every provider's bounce_domain, each once.
std::vector<std::string> bounce_domains(const gateway& gw);

/// What the bounce intake needs of the gateway: its keys, bounce domains and policy.
intake::intake_settings intake_settings(const gateway& gw);

/// Loads the configuration (throws config::config_error listing every problem), the drivers
/// and the providers; opens storage unless `with_store` is false.
gateway open_gateway(const command_options& options, bool with_store = true);

} // namespace mailgate::core::cli
