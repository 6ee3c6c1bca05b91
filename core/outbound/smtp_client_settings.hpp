#pragma once

// How to reach and talk to one provider's SMTP server.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace mailgate::core::outbound {

/// `smtp`: plain text, upgraded only when `opportunistic_starttls` is set and the server offers
/// STARTTLS; credentials then travel in clear if the server does not offer it, which the
/// operator chose by picking this scheme. `starttls`: TLS is required, and a server that does
/// not offer STARTTLS is a connection error. `smtps`: TLS from the first byte (port 465).
enum class smtp_scheme { smtp, starttls, smtps };

/// The limits of RFC 5321 §4.5.3.2 as defaults. Each bounds one wait, not a whole session.
struct smtp_timeouts {
    std::chrono::milliseconds connect =
        std::chrono::seconds{30}; ///< resolve, TCP, each TLS handshake
    std::chrono::milliseconds greeting = std::chrono::minutes{5};
    std::chrono::milliseconds command =
        std::chrono::minutes{5}; ///< EHLO, STARTTLS, AUTH, MAIL, RCPT, RSET, QUIT
    std::chrono::milliseconds data_init = std::chrono::minutes{2};  ///< the reply to DATA
    std::chrono::milliseconds data_block = std::chrono::minutes{3}; ///< each write of the message
    std::chrono::milliseconds data_end =
        std::chrono::minutes{10}; ///< the reply after the final "."
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
    std::size_t max_connections = 10;
    std::size_t max_messages_per_connection = 100;
};

} // namespace mailgate::core::outbound
