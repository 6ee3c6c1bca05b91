#pragma once

// The HTTP/1.1 server in front of the application. It owns the sockets, TLS, limits, timeouts,
// keep-alive and shutdown, and hands each complete request to the `handler`.

#include "core/config/gateway_config.hpp"
#include "core/http/handler.hpp"
#include "core/metrics/registry.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace mailgate::core::http {

struct tls_options {
    std::filesystem::path certificate_file; ///< PEM: the chain, leaf first
    std::filesystem::path private_key_file; ///< PEM
};

/// What the configuration can set defaults to the configuration's own defaults
/// (config::server_config): one place for each.
struct server_options {
    std::string address = config::server_config{}.address;
    uint16_t port = config::server_config{}.port; ///< 0: an ephemeral port, see server::port()
    unsigned threads = config::server_config{}.threads;
    std::size_t body_limit = config::server_config{}.body_limit;
    std::size_t header_limit = config::server_config{}.header_limit;
    /// A whole request, header and body.
    std::chrono::milliseconds read_timeout = config::server_config{}.read_timeout;
    /// Keep-alive wait for the next request.
    std::chrono::milliseconds idle_timeout = config::server_config{}.idle_timeout;
    std::chrono::milliseconds write_timeout{10000};  ///< one response
    std::chrono::milliseconds shutdown_grace{10000}; ///< stop() lets requests finish this long
    /// Beyond it a connection gets a 503.
    std::size_t max_connections = config::server_config{}.max_connections;
    std::optional<tls_options> tls;
};

class server {
public:
    /// Binds and listens; connections wait in the backlog until run(). Throws
    /// std::runtime_error naming the address:port, or the TLS file, that failed.
    /// LIFETIME: `metrics` outlives the server.
    server(server_options options, handler app, metrics::registry& metrics);
    ~server();

    /// The bound port (the ephemeral one when the options asked for 0).
    uint16_t port() const;

    /// Serves on `threads` threads, this one among them, until stop() has completed.
    void run();

    /// Stops accepting, closes idle connections, lets requests in progress finish for up to
    /// `shutdown_grace`, then makes run() return. Returns at once. Idempotent. THREAD: any,
    /// including an I/O thread of this server.
    void stop();

    /// Open connections, not counting those refused with a 503. THREAD: any.
    std::size_t connections() const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace mailgate::core::http
