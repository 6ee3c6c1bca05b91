#pragma once

// The connections to one provider, reused from message to message.

#include "core/outbound/smtp/envelope.hpp"
#include "core/outbound/smtp/send_outcome.hpp"
#include "core/outbound/smtp/smtp_client_settings.hpp"
#include "core/outbound/smtp/smtp_connection.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace mailgate::core::outbound::smtp {

/// NOT thread-safe: every call from the one executor given at construction (a single-threaded
/// io_context or a strand). LIFETIME: outlives every send() and close() in progress. A
/// connection being QUIT goes on alone and no longer counts against max_connections.
class smtp_pool {
public:
    /// `max_connections` 0 counts as 1; `max_messages_per_connection` 0 as no limit.
    smtp_pool(boost::asio::any_io_executor executor, smtp_client_settings settings);
    ~smtp_pool();
    smtp_pool(const smtp_pool&) = delete;
    smtp_pool& operator=(const smtp_pool&) = delete;

    /// Sends one message (RFC 5322 text with CRLF, not dot-stuffed: `head`, then `entity` when
    /// it is not null, which other sends may share). Takes an idle connection (RSET between
    /// messages, pipelined with the next; a connection whose RSET fails or that the server
    /// closed is replaced), opens a new one while fewer than max_connections are open, otherwise
    /// waits for one, first come first served. A connection that sent
    /// max_messages_per_connection messages is QUIT and closed. A connection error never poisons
    /// the pool: that connection is dropped and the next send opens another.
    boost::asio::awaitable<send_outcome> send(envelope env, std::string head,
                                              std::shared_ptr<const std::string> entity = nullptr);

    /// QUITs idle connections and makes waiting and later sends fail fast with connection_error
    /// "pool closed". Sends in progress finish; their connections are QUIT then.
    boost::asio::awaitable<void> close();

    /// Closes the connections of the sends in progress, which then fail at once as connection
    /// errors instead of waiting out a silent server's timeouts. After close(), at a stop.
    void abort_in_progress() noexcept;

    /// Connections open, being opened or in use.
    std::size_t open_connections() const noexcept { return open_; }

private:
    using connection_ptr = std::unique_ptr<smtp_connection>;
    class slot;
    struct waiter;
    class in_progress;

    boost::asio::awaitable<std::variant<slot, send_outcome>> acquire();
    boost::asio::awaitable<send_outcome> send_on(slot& place, const envelope& env,
                                                 std::string_view head, std::string_view entity);
    boost::asio::awaitable<std::optional<send_outcome>> connect(slot& place);
    boost::asio::awaitable<std::optional<slot>> take_place();
    void finish(slot place);
    void free_place() noexcept;
    void hand_to_waiter(slot place) noexcept;
    send_outcome closed_outcome() const;

    boost::asio::any_io_executor executor_;
    std::shared_ptr<const smtp_client_settings> settings_;
    std::vector<connection_ptr> idle_;
    std::deque<waiter*> waiters_;
    std::vector<smtp_connection*> in_progress_; // opening, resetting or sending
    std::size_t open_ = 0; // places taken: idle connections, and those opening or in use
    bool closed_ = false;
};

} // namespace mailgate::core::outbound::smtp
