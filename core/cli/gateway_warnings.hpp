#pragma once

// What lets the gateway start but not work as the operator means it to: `serve` logs each at
// start-up, and `check-config` prints the same list (failing on it with --strict), so that the
// checker never knows less than the server.

#include "core/cli/gateway_setup.hpp"
#include "core/outbound/delivery/sending_provider.hpp"

#include <string>
#include <vector>

namespace mailgate::core::cli {

/// Each warning a line for people, starting with where in the file when it is about one key.
/// `public_url` is the one the gateway answers at (configured, or the listener's own).
std::vector<std::string>
gateway_warnings(const gateway& gw,
                 const std::vector<outbound::delivery::sending_provider>& senders,
                 const std::string& public_url);

} // namespace mailgate::core::cli
