#include "core/smtp_server/sink_call.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <memory>
#include <mutex>
#include <optional>

namespace mailgate::core::smtp_server {
namespace {

namespace asio = boost::asio;

// Shared by the waiting coroutine and the sink's done, which may outlive it.
struct pending_answer {
    explicit pending_answer(const asio::any_io_executor& executor) : timer(executor) {}

    asio::steady_timer timer;          // the wait; cancelled by the answer
    std::optional<sink_result> result; // on the executor only
    std::mutex mutex;                  // guards `closed` against done's post
    bool closed = false;               // the wait is over: done posts nothing more
};

// Ends the wait for done whichever way the coroutine leaves, its frame destroyed unresumed
// included (the server stopped before the sink answered).
class close_on_exit {
public:
    explicit close_on_exit(std::shared_ptr<pending_answer> p) : pending_(std::move(p)) {}
    ~close_on_exit()
    {
        std::lock_guard lock(pending_->mutex);
        pending_->closed = true;
    }
    close_on_exit(const close_on_exit&) = delete;
    close_on_exit& operator=(const close_on_exit&) = delete;

private:
    std::shared_ptr<pending_answer> pending_;
};

bounces::sink_done answer_to(std::shared_ptr<pending_answer> pending,
                             asio::any_io_executor executor)
{
    return [pending = std::move(pending),
            executor = std::move(executor)](std::error_code ec, bounces::sink_outcome outcome) {
        std::lock_guard lock(pending->mutex);
        if (pending->closed) {
            return;
        }
        asio::post(executor, [pending, ec, outcome] {
            if (!pending->result) { // the first answer counts
                pending->result = sink_result{ec, outcome};
                pending->timer.cancel();
            }
        });
    };
}

} // namespace

asio::awaitable<sink_result> call_sink(const bounces::message_sink& sink, std::string raw,
                                       std::string envelope_recipient,
                                       std::chrono::milliseconds timeout)
{
    auto executor = co_await asio::this_coro::executor;
    auto pending = std::make_shared<pending_answer>(executor);
    const close_on_exit closer(pending);
    pending->timer.expires_after(timeout);
    bool threw = false;
    try {
        sink(std::move(raw), std::move(envelope_recipient), answer_to(pending, executor));
    } catch (...) {
        threw = true;
    }
    if (threw) {
        co_return sink_result{std::make_error_code(std::errc::io_error)};
    }
    // An answer already posted runs only once this coroutine is suspended, after the wait began.
    co_await pending->timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (!pending->result) {
        co_return sink_result{std::make_error_code(std::errc::timed_out)};
    }
    co_return *pending->result;
}

} // namespace mailgate::core::smtp_server
