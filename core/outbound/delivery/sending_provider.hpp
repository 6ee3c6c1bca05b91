#pragma once

// A provider as the sending side sees it: where its SMTP server is and how to talk to it, whom
// mail is from by default, and the driver instance that decorates each message. Read from the
// provider's validated options (the standard SMTP set every driver with MG_CAP_SMTP declares)
// and the gateway's outbound section.

#include "core/config/gateway_config.hpp"
#include "core/outbound/smtp/smtp_client_settings.hpp"
#include "core/plugin/provider_set.hpp"

#include <string>
#include <vector>

namespace mailgate::core::outbound::delivery {

struct sending_provider {
    const plugin::driver_instance* instance = nullptr; ///< owned by the provider_set
    smtp::smtp_client_settings smtp;
    std::string from_name;
    std::string from_address;
    std::string reply_address;
    std::string preference_center; ///< none, system, or a URL
    std::string bounce_domain;     ///< messages' return paths are signed ones there; or empty
};

/// Every provider whose driver has MG_CAP_SMTP. The provider_set must outlive the result.
/// Throws config::config_error when a default address (from_address, reply_address) is not
/// one the gateway could send with.
std::vector<sending_provider> sending_providers(const plugin::provider_set& providers,
                                                const config::outbound_config& outbound);

/// This machine's host name, for EHLO and the node id when the configuration names neither.
std::string local_host_name();

} // namespace mailgate::core::outbound::delivery
