#pragma once

// How to reach and talk to one provider's SMTP server.

#include "core/config/gateway_config.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace mailgate::core::outbound::smtp {

/// `smtp`: plain text, upgraded only when `opportunistic_starttls` is set and the server offers
/// STARTTLS; credentials then travel in clear if the server does not offer it, which the
/// operator chose by picking this scheme. `starttls`: TLS is required, and a server that does
/// not offer STARTTLS is a connection error. `smtps`: TLS from the first byte (port 465).
enum class smtp_scheme { smtp, starttls, smtps };

/// Each bounds one wait, not a whole session. Defaults are the configuration's
/// (config::outbound_config: RFC 5321 §4.5.3.2's limits).
struct smtp_timeouts {
    /// Resolve, TCP, each TLS handshake.
    std::chrono::milliseconds connect = config::outbound_config{}.connect_timeout;
    std::chrono::milliseconds greeting = config::outbound_config{}.greeting_timeout;
    /// EHLO, STARTTLS, AUTH, MAIL, RCPT, RSET, QUIT.
    std::chrono::milliseconds command = config::outbound_config{}.command_timeout;
    /// The reply to DATA.
    std::chrono::milliseconds data_init = config::outbound_config{}.data_init_timeout;
    /// Each write of the message.
    std::chrono::milliseconds data_block = config::outbound_config{}.data_block_timeout;
    /// The reply after the final ".".
    std::chrono::milliseconds data_end = config::outbound_config{}.data_end_timeout;
};

struct smtp_client_settings {
    std::string host;
    uint16_t port = 587;
    smtp_scheme scheme = smtp_scheme::starttls;
    std::string username, password; ///< empty username: no AUTH
    bool verify_tls = true;         ///< certificate chain and host name
    std::string ca_file;            ///< PEM; empty: the system store
    bool opportunistic_starttls = false;
    std::string helo_name = "localhost";
    smtp_timeouts timeouts;
    std::size_t max_connections = config::outbound_config{}.max_connections;
    std::size_t max_messages_per_connection = config::outbound_config{}.max_messages_per_connection;
};

} // namespace mailgate::core::outbound::smtp
