#include "core/net/socket_watchdog.hpp"

#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <cstdint>

namespace mailgate::core::net {

// Shared with the timer's handler, which may run after the watchdog is gone.
struct socket_watchdog::state {
    state(boost::asio::ip::tcp::socket& socket, clock::duration tick)
        : timer(socket.get_executor()), socket(&socket), tick(tick)
    {
    }

    static void arm(std::shared_ptr<state> self)
    {
        auto& timer = self->timer;
        timer.expires_after(self->tick);
        const auto armed = ++self->generation;
        timer.async_wait([self = std::move(self), armed](const boost::system::error_code&) mutable {
            // Gone, resting, or a handler that a later arm() replaced.
            if (self->socket == nullptr || armed != self->generation) {
                return;
            }
            if (clock::now() >= self->deadline) {
                self->expired = true;
                self->deadline = clock::time_point::max();
                boost::system::error_code ignored;
                self->socket->cancel(ignored);
            }
            arm(std::move(self));
        });
    }

    boost::asio::steady_timer timer;
    boost::asio::ip::tcp::socket* socket; // null once the watchdog is gone
    clock::duration tick;
    clock::time_point deadline = clock::time_point::max();
    std::uint64_t generation = 0;
    bool ticking = false;
    bool expired = false;
};

socket_watchdog::clock::duration
socket_watchdog::tick_for(std::initializer_list<clock::duration> timeouts)
{
    return std::max<clock::duration>(std::min(timeouts) / 4, std::chrono::milliseconds(10));
}

socket_watchdog::socket_watchdog(boost::asio::ip::tcp::socket& socket, clock::duration tick)
    : state_(std::make_shared<state>(socket, tick))
{
}

socket_watchdog::~socket_watchdog()
{
    state_->socket = nullptr;
    rest();
}

void socket_watchdog::expire_after(clock::duration timeout)
{
    state_->deadline = clock::now() + timeout;
    state_->expired = false;
    if (!state_->ticking) {
        state_->ticking = true;
        state::arm(state_);
    }
}

void socket_watchdog::suspend() noexcept
{
    state_->deadline = clock::time_point::max();
}

void socket_watchdog::rest() noexcept
{
    state_->ticking = false;
    ++state_->generation;
    state_->timer.cancel();
}

bool socket_watchdog::expired() const noexcept
{
    return state_->expired;
}

} // namespace mailgate::core::net
