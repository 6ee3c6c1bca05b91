#pragma once

// The `bounces:` section: where bounce mail comes in (docs/bounce-mail.md). Every way in is off
// until configured.

#include "core/config/located_value.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace mailgate::core::config {

/// The SMTP listener that takes bounces addressed to signed return paths
/// (b-<token>@<bounce domain>) and refuses every other recipient at RCPT.
struct bounce_listener_config {
    std::string address = "127.0.0.1";
    uint16_t port = 2525;
    /// The name the listener gives in its greeting and EHLO reply; empty: the host name.
    std::string host_name;
    /// STARTTLS is offered when both are set.
    std::filesystem::path tls_certificate;
    std::filesystem::path tls_private_key;
    std::size_t max_message_size = 10 * 1024 * 1024; ///< announced in EHLO SIZE; beyond: 552
    std::size_t max_connections = 100;
    std::size_t max_recipients = 100; ///< per transaction; beyond: 452
    /// A client silent this long between commands or DATA lines is disconnected (RFC 5321
    /// §4.5.3.2.7 asks a server for at least 5 minutes; bounces come from MTAs, not people).
    std::chrono::milliseconds command_timeout{std::chrono::minutes(5)};
    /// The most one session may last, whatever it sends.
    std::chrono::milliseconds session_timeout{std::chrono::minutes(30)};
};

enum class imap_security { tls, starttls, none };

/// One IMAP mailbox polled for bounces and complaints (a Gmail or Workspace inbox, the mailbox
/// behind a return path).
struct bounce_mailbox_config {
    std::string name; ///< names the mailbox in logs, metrics and its saved position
    std::string host;
    uint16_t port = 993;
    imap_security security = imap_security::tls;
    bool verify_tls = true;
    std::string user;
    located_value password; ///< a secret (env:/file:/enc: or literal); resolve with resolve_secret
    std::string folder = "INBOX";
    /// Where handled bounces and complaints go; created when missing. Never deleted.
    std::string processed_folder = "mailgate/processed";
    /// Polling when the server has no IDLE; with IDLE, how often the idle is renewed.
    std::chrono::milliseconds poll_interval{std::chrono::minutes(1)};
    std::chrono::milliseconds timeout{std::chrono::seconds(60)}; ///< any one command's reply
    std::size_t max_message_size = 10 * 1024 * 1024; ///< larger messages are left unread
};

struct bounces_config {
    /// The domains of signed return paths (also each provider's `bounce_domain`).
    std::vector<std::string> domains;
    std::optional<bounce_listener_config> listen; ///< absent: no listener
    std::vector<bounce_mailbox_config> mailboxes;
    /// A bounce that no signed return path, meta header or Message-ID ties to a message sent
    /// is stored but suppresses nobody, unless this is set (a forged bounce could then
    /// suppress anyone).
    bool suppress_unattributed = false;
};

} // namespace mailgate::core::config
