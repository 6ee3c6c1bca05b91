#pragma once

// The store's callback operations as Asio asynchronous operations, so a coroutine can co_await
// a commit (a request answers only once its events are durable; a delivery worker takes its
// claimed messages) without blocking its thread.

#include "core/storage/store.hpp"

#include <boost/asio/async_result.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include <memory>
#include <utility>

namespace mailgate::core::storage {

/// Runs `start(done)`, where `done(Args...)` may be called once from any thread, and completes
/// with those arguments on the caller's executor.
template <class... Args, class Start, class CompletionToken>
auto async_from_callback(Start start, CompletionToken&& token)
{
    return boost::asio::async_initiate<CompletionToken, void(Args...)>(
        [](auto handler, Start start) {
            auto work = boost::asio::make_work_guard(handler);
            // Store callbacks are std::functions, which must be copyable; Asio handlers are
            // move-only, so the handler waits in shared state.
            using handler_t = decltype(handler);
            auto state = std::make_shared<std::pair<handler_t, decltype(work)>>(std::move(handler),
                                                                                std::move(work));
            // Both leave the shared state when the store calls back: the store may keep the
            // std::function after the I/O context is gone, and nothing bound to the context
            // may die with it.
            std::move(start)([state](Args... args) {
                auto work = std::move(state->second);
                boost::asio::post(work.get_executor(), [handler = std::move(state->first),
                                                        ... args = std::move(args)]() mutable {
                    std::move(handler)(std::move(args)...);
                });
            });
        },
        token, std::move(start));
}

/// Completes with (std::error_code, commit_result) once the batch is durable.
template <class CompletionToken>
auto async_apply(store& s, std::vector<events::routed_event> batch, CompletionToken&& token)
{
    return async_from_callback<std::error_code, commit_result>(
        [&s, batch = std::move(batch)](commit_handler done) mutable {
            s.apply(std::move(batch), std::move(done));
        },
        std::forward<CompletionToken>(token));
}

} // namespace mailgate::core::storage
