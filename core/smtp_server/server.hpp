#pragma once

// The SMTP listener that receives bounce mail (docs/bounce-mail.md, "The SMTP listener"): an
// ESMTP server that takes mail for the host's signed return paths only, hands each message to
// the bounces sink, and answers 250 once the sink has made it durable. It runs on its own
// thread and io_context: bounces are few, and the HTTP server's threads stay its own.

#include "core/bounces/message_sink.hpp"
#include "core/config/bounce_config.hpp"
#include "core/metrics/registry.hpp"
#include "core/smtp_server/session.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace mailgate::core::smtp_server {

class server {
public:
    /// Binds and listens (config.port 0: an ephemeral port, see port()); connections wait in
    /// the backlog until start(). `accepts_recipient` says which RCPT TO addresses are taken
    /// (others: 550 5.1.1); `sink` takes each message received, once per accepted recipient.
    /// Throws std::runtime_error naming the address:port, or the TLS file, that failed.
    /// LIFETIME: `metrics` outlives the server; `sink` may answer after the server is gone (the
    /// answer is then dropped, and the client, cut off, sends the message again).
    server(config::bounce_listener_config config, recipient_check accepts_recipient,
           bounces::message_sink sink, metrics::registry& metrics);
    /// Stops (with the default grace) if still running.
    ~server();
    server(const server&) = delete;
    server& operator=(const server&) = delete;

    /// The bound port (the ephemeral one when the configuration asked for 0).
    uint16_t port() const noexcept;

    /// Serves on the listener's own thread. Once.
    void start();

    /// Stops accepting, ends the sessions waiting for a command with 421 4.3.2, lets those in a
    /// message finish (the sink's answer and the reply included) for up to `grace`, then closes
    /// the rest and joins the thread. Idempotent. THREAD: any but the listener's own.
    void stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

    /// Open sessions, not counting those refused with a 421. THREAD: any.
    std::size_t connections() const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace mailgate::core::smtp_server
