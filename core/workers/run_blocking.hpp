#pragma once

// A blocking call as an awaitable: the work runs on a blocking_pool thread while the I/O
// thread serves its other connections, and the request waits for it at most the pool's
// deadline. A request answered first (deadline) leaves the work to finish on its own, its
// result dropped where it ends: the work must own what it touches (copies, shared_ptr) or touch
// only what outlives the pool.

#include "core/http/handler.hpp"
#include "core/workers/blocking_pool.hpp"

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace mailgate::core::workers {

/// Why a blocking call gave no result.
enum class refusal {
    busy,      ///< every worker busy and the queue full: refused at once
    timed_out, ///< the deadline passed first
};

template <class T>
using blocking_result = std::variant<T, refusal>;

/// Logs why `what` got no result, with the limit it ran into.
void log_refusal(const std::string& what, refusal why, const blocking_pool_options& options);
/// Logs a call that ended after its request was answered, with how long it took.
void log_late_result(const std::string& what, std::chrono::steady_clock::duration took);

/// 503 with Retry-After, for a request whose blocking work was refused.
http::response unavailable_response(const http::request& req);

namespace detail {

// Shared by the I/O thread and the worker. The handler is stored before the job is queued;
// whichever of the result and the deadline comes first takes it, under the mutex, and the
// other finds nothing left to complete. The timer is touched on the I/O thread only.
template <class T, class Work, class Handler>
class blocking_call : public std::enable_shared_from_this<blocking_call<T, Work, Handler>> {
public:
    blocking_call(Handler handler, Work work, std::string what, blocking_pool& pool)
        : handler_(std::move(handler)), timer_(boost::asio::get_associated_executor(*handler_)),
          work_(std::move(work)), what_(std::move(what)), limits_(pool.options())
    {
    }

    /// On the I/O thread, from the initiation.
    void start(blocking_pool& pool)
    {
        auto self = this->shared_from_this();
        timer_.expires_after(limits_.deadline);
        timer_.async_wait([self](boost::system::error_code ec) {
            if (!ec) {
                self->refuse(refusal::timed_out);
            }
        });
        if (!pool.try_submit([self] { self->run(); })) {
            timer_.cancel();
            boost::asio::post(timer_.get_executor(), [self] { self->refuse(refusal::busy); });
        }
    }

private:
    // On a worker.
    void run()
    {
        if (!waiting()) {
            return; // answered while it waited for a thread
        }
        const auto started = std::chrono::steady_clock::now();
        std::exception_ptr error;
        blocking_result<T> result(std::in_place_index<1>, refusal::busy); // until work_ returns
        try {
            result.template emplace<0>(work_());
        } catch (...) {
            error = std::current_exception();
        }
        auto handler = take_handler();
        if (!handler) {
            log_late_result(what_, std::chrono::steady_clock::now() - started);
            return;
        }
        boost::asio::post(timer_.get_executor(),
                          [self = this->shared_from_this(), handler = std::move(*handler), error,
                           result = std::move(result)]() mutable {
                              self->timer_.cancel();
                              std::move(handler)(error, std::move(result));
                          });
    }

    // On the I/O thread.
    void refuse(refusal why)
    {
        if (auto handler = take_handler()) {
            log_refusal(what_, why, limits_);
            std::move (*handler)(std::exception_ptr(),
                                 blocking_result<T>(std::in_place_index<1>, why));
        }
    }

    bool waiting()
    {
        std::lock_guard lock(mutex_);
        return handler_.has_value();
    }

    std::optional<Handler> take_handler()
    {
        std::lock_guard lock(mutex_);
        std::optional<Handler> out = std::move(handler_);
        handler_.reset();
        return out;
    }

    std::mutex mutex_;
    std::optional<Handler> handler_;
    boost::asio::steady_timer timer_;
    Work work_;
    std::string what_;
    blocking_pool_options limits_;
};

} // namespace detail

/// Runs `work()` on `pool` and gives its result, or a refusal (logged, naming `what`): `busy`
/// at once when the pool's queue is full, `timed_out` when the pool's deadline passed first.
/// An exception from `work` is rethrown here. THREAD: a coroutine on an I/O thread.
/// Make the operation in a statement of its own and co_await it after: GCC 12 destroys the
/// temporaries of a co_await expression wrongly (a lambda capturing strings was freed twice).
template <class Work>
boost::asio::awaitable<blocking_result<std::invoke_result_t<Work&>>>
run_blocking(blocking_pool& pool, std::string what, Work work)
{
    using T = std::invoke_result_t<Work&>;
    return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&,
                                       void(std::exception_ptr, blocking_result<T>)>(
        [&pool](auto handler, Work work, std::string what) {
            using call = detail::blocking_call<T, Work, decltype(handler)>;
            std::make_shared<call>(std::move(handler), std::move(work), std::move(what), pool)
                ->start(pool);
        },
        boost::asio::use_awaitable, std::move(work), std::move(what));
}

} // namespace mailgate::core::workers
