#pragma once

// One client of the SMTP listener: the greeting, commands read within the limits and
// timeouts, STARTTLS, each message read and handed to the sink, and the listener's refusals.

#include "core/bounces/message_sink.hpp"
#include "core/config/bounce_config.hpp"
#include "core/metrics/registry.hpp"
#include "core/net/connection_registry.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace mailgate::core::smtp_server {

/// Whether a RCPT TO address is one this listener takes mail for. THREAD: an I/O thread; must
/// not block.
using recipient_check = std::function<bool(std::string_view address)>;

/// The listener's series.
struct listener_counters {
    explicit listener_counters(metrics::registry& metrics);

    metrics::counter& sessions;
    metrics::counter& rcpt_refused;
    metrics::counter& overloaded;
    metrics::counter& timeouts;
    metrics::counter& too_many_errors;
    metrics::counter_family messages; ///< by result
};

/// What the sessions of one listener share. Throws std::runtime_error naming a TLS file that
/// cannot be loaded. LIFETIME: until the listener and its last session are gone.
struct session_context {
    session_context(config::bounce_listener_config config, recipient_check accepts_recipient,
                    bounces::message_sink sink, metrics::registry& metrics);

    const config::bounce_listener_config config;
    const std::string host_name; ///< the configured one, else the machine's
    const recipient_check accepts_recipient;
    const bounces::message_sink sink;
    std::optional<boost::asio::ssl::context> tls;
    listener_counters counters;
    net::connection_registry connections;
};

/// Serves `socket` until it closes, on the socket's executor, which must run one handler at a
/// time. No exception leaves it: one that escapes the session closes that connection only.
void start_session(std::shared_ptr<session_context> context, boost::asio::ip::tcp::socket socket);

} // namespace mailgate::core::smtp_server
