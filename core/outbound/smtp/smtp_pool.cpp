#include "core/outbound/smtp/smtp_pool.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <utility>

namespace mailgate::core::outbound::smtp {

namespace asio = boost::asio;

namespace {

asio::awaitable<void> quit(std::unique_ptr<smtp_connection> connection)
{
    co_await connection->quit();
}

} // namespace

// A place among max_connections, and the connection in it once there is one. Dropping it gives
// the place back (to the first waiter, if any), so that neither a failure nor a cancelled send
// can leak one.
class smtp_pool::slot {
public:
    explicit slot(smtp_pool& pool) noexcept : pool_(&pool) {}
    slot(slot&& other) noexcept
        : connection(std::move(other.connection)), pool_(std::exchange(other.pool_, nullptr))
    {
    }
    slot& operator=(slot&&) = delete;
    ~slot()
    {
        if (pool_ != nullptr) {
            connection.reset();
            pool_->free_place();
        }
    }

    // The place stays taken: by the connection, now idle in the pool.
    connection_ptr park() noexcept
    {
        pool_ = nullptr;
        return std::move(connection);
    }

    connection_ptr connection;

private:
    smtp_pool* pool_;
};

// Registers a connection as busy for the scope of one await, so a stop can abort it.
class smtp_pool::in_progress {
public:
    in_progress(smtp_pool& pool, smtp_connection* connection) : pool_(pool), connection_(connection)
    {
        pool_.in_progress_.push_back(connection_);
    }
    ~in_progress() { std::erase(pool_.in_progress_, connection_); }
    in_progress(const in_progress&) = delete;
    in_progress& operator=(const in_progress&) = delete;

private:
    smtp_pool& pool_;
    smtp_connection* connection_;
};

struct smtp_pool::waiter {
    explicit waiter(smtp_pool& pool)
        : pool(pool), wake(pool.executor_, asio::steady_timer::time_point::max())
    {
    }
    ~waiter() { std::erase(pool.waiters_, this); }

    smtp_pool& pool;
    asio::steady_timer wake;    // cancelled to wake the sender
    std::optional<slot> handed; // when woken with a place, or with a connection in it
};

smtp_pool::smtp_pool(asio::any_io_executor executor, smtp_client_settings settings)
    : executor_(std::move(executor)),
      settings_(std::make_shared<const smtp_client_settings>(std::move(settings)))
{
}

smtp_pool::~smtp_pool() = default;

asio::awaitable<send_outcome> smtp_pool::send(envelope env, std::string head,
                                              std::shared_ptr<const std::string> entity)
{
    const std::string_view body = entity ? std::string_view(*entity) : std::string_view();
    auto acquired = co_await acquire();
    if (auto* failed = std::get_if<send_outcome>(&acquired)) {
        co_return std::move(*failed);
    }
    auto& place = std::get<slot>(acquired);
    auto outcome = co_await send_on(place, env, head, body);
    // A connection idle in the pool may have been closed by the server meanwhile: its RSET
    // fails, before any of the message was sent, and the message goes on a new connection. A
    // new connection sends no RSET, so this happens once at most.
    if (outcome.phase == smtp_connection::reset_phase && !closed_) {
        auto failed = co_await connect(place);
        if (failed) {
            outcome = std::move(*failed);
        } else {
            outcome = co_await send_on(place, env, head, body);
        }
    }
    finish(std::move(place));
    co_return outcome;
}

asio::awaitable<send_outcome> smtp_pool::send_on(slot& place, const envelope& env,
                                                 std::string_view head, std::string_view entity)
{
    const in_progress busy(*this, place.connection.get());
    co_return co_await place.connection->send(env, head, entity);
}

// A new connection in `place`, opened. Nothing when it is ready, else why not.
asio::awaitable<std::optional<send_outcome>> smtp_pool::connect(slot& place)
{
    place.connection = std::make_unique<smtp_connection>(executor_, settings_);
    const in_progress busy(*this, place.connection.get());
    co_return co_await place.connection->open();
}

asio::awaitable<void> smtp_pool::close()
{
    closed_ = true;
    while (!waiters_.empty()) {
        auto* woken = waiters_.front();
        waiters_.pop_front();
        woken->wake.cancel();
    }
    using quit_op = decltype(asio::co_spawn(executor_, quit(nullptr), asio::deferred));
    std::vector<quit_op> quits;
    for (auto& connection : std::exchange(idle_, {})) {
        --open_;
        quits.push_back(asio::co_spawn(executor_, quit(std::move(connection)), asio::deferred));
    }
    if (!quits.empty()) {
        co_await asio::experimental::make_parallel_group(std::move(quits))
            .async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
    }
}

void smtp_pool::abort_in_progress() noexcept
{
    for (auto* connection : in_progress_) {
        connection->abort();
    }
}

asio::awaitable<std::variant<smtp_pool::slot, send_outcome>> smtp_pool::acquire()
{
    for (;;) {
        if (closed_) {
            co_return closed_outcome();
        }
        auto place = co_await take_place();
        if (!place) {
            continue;
        }
        if (place->connection) {
            co_return std::move(*place);
        }
        // A place handed over just before close() ran: no new connection is opened after it.
        if (closed_) {
            co_return closed_outcome();
        }
        auto failed = co_await connect(*place);
        if (failed) {
            co_return std::move(*failed);
        }
        co_return std::move(*place);
    }
}

// Idle connections first; otherwise a new place while there is room; otherwise the place or
// connection that the next finishing send hands over. Nothing when close() woke the wait.
asio::awaitable<std::optional<smtp_pool::slot>> smtp_pool::take_place()
{
    if (!idle_.empty()) {
        slot place(*this);
        place.connection = std::move(idle_.back());
        idle_.pop_back();
        co_return place;
    }
    if (open_ < std::max<std::size_t>(settings_->max_connections, 1)) {
        ++open_;
        co_return slot(*this);
    }
    waiter self(*this);
    waiters_.push_back(&self);
    co_await self.wake.async_wait(asio::as_tuple(asio::use_awaitable));
    co_return std::move(self.handed);
}

void smtp_pool::finish(slot place)
{
    auto& connection = *place.connection;
    const auto cap = settings_->max_messages_per_connection;
    if (closed_ || !connection.usable() || (cap != 0 && connection.transactions() >= cap)) {
        if (connection.usable()) {
            asio::co_spawn(executor_, quit(std::move(place.connection)), asio::detached);
        }
        return;
    }
    if (!waiters_.empty()) {
        hand_to_waiter(std::move(place));
        return;
    }
    connection.rest();
    idle_.push_back(place.park());
}

void smtp_pool::free_place() noexcept
{
    if (!closed_ && !waiters_.empty()) {
        hand_to_waiter(slot(*this));
        return;
    }
    --open_;
}

void smtp_pool::hand_to_waiter(slot place) noexcept
{
    auto* woken = waiters_.front();
    waiters_.pop_front();
    woken->handed.emplace(std::move(place));
    woken->wake.cancel();
}

send_outcome smtp_pool::closed_outcome() const
{
    send_outcome outcome;
    outcome.failure = failure_class::connection_error;
    outcome.phase = "connect";
    outcome.error = "pool closed";
    return outcome;
}

} // namespace mailgate::core::outbound::smtp
