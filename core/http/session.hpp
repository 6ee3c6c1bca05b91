#pragma once

// One accepted connection: the TLS handshake, requests read within the limits and timeouts,
// the application called, responses written, keep-alive, and the server's own refusals.

#include "core/http/handler.hpp"
#include "core/http/server.hpp"
#include "core/metrics/registry.hpp"
#include "core/net/connection_registry.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <optional>

namespace mailgate::core::http {

/// The series of mailgate_http_rejected_total, one per reason.
struct rejection_counters {
    explicit rejection_counters(metrics::registry& metrics);

    metrics::counter& body_too_large;
    metrics::counter& header_too_large;
    metrics::counter& bad_request;
    metrics::counter& not_implemented;
    metrics::counter& timeout;
    metrics::counter& overloaded;
};

/// What the connections of one server share. Throws std::runtime_error naming a TLS file that
/// cannot be loaded. LIFETIME: until the server and its last connection are gone.
struct session_context {
    session_context(server_options options, handler app, metrics::registry& metrics);

    server_options options;
    handler app;
    std::optional<boost::asio::ssl::context> tls;
    rejection_counters rejected;
    net::connection_registry connections;
};

/// Serves `socket` until it closes, on the socket's executor, which must run one handler at a
/// time: a strand, or an io_context that one thread runs.
void start_session(std::shared_ptr<session_context> context, boost::asio::ip::tcp::socket socket);

} // namespace mailgate::core::http
