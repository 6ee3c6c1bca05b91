#pragma once

// Timeouts for the reads and writes on one socket. Rather than a timer armed and cancelled
// around every operation (several per request or message, each a trip through the reactor), a
// deadline that one timer looks at every tick, cancelling whatever is awaited on the socket once
// it has passed. A deadline is kept to within one tick.

#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <initializer_list>
#include <memory>

namespace mailgate::core::net {

/// NOT thread-safe: every call on the socket's executor. LIFETIME: `socket` outlives the
/// watchdog; the timer's last handler may run after both are gone and then touches neither.
class socket_watchdog {
public:
    using clock = std::chrono::steady_clock;

    /// A quarter of the shortest of `timeouts`, and at least 10 ms: each timeout is then kept to
    /// within a quarter of itself.
    static clock::duration tick_for(std::initializer_list<clock::duration> timeouts);

    socket_watchdog(boost::asio::ip::tcp::socket& socket, clock::duration tick);
    /// Stops the timer and leaves the socket alone from then on.
    ~socket_watchdog();
    socket_watchdog(const socket_watchdog&) = delete;
    socket_watchdog& operator=(const socket_watchdog&) = delete;

    /// A new deadline for the wait that follows; the timer ticks from the first one on.
    void expire_after(clock::duration timeout);
    /// No deadline until the next expire_after (the application's time is not the peer's); the
    /// timer keeps ticking.
    void suspend() noexcept;
    /// Nothing is awaited until the next expire_after: the timer stops, so that an idle socket
    /// holds no work on its executor (io_context::run can return).
    void rest() noexcept;
    /// The deadline passed, and what was awaited on the socket was cancelled, since the last
    /// expire_after.
    bool expired() const noexcept;

private:
    struct state;
    std::shared_ptr<state> state_;
};

} // namespace mailgate::core::net
