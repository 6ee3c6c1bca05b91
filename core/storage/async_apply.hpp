#pragma once

// store::apply as an Asio asynchronous operation, so a request coroutine can co_await the
// commit and answer only once its events are durable.

#include "core/storage/store.hpp"

#include <boost/asio/async_result.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include <memory>

namespace mailgate::core::storage {

/// Completes with (std::error_code, commit_result) on the caller's executor.
template <class CompletionToken>
auto async_apply(store& s, std::vector<events::routed_event> batch, CompletionToken&& token)
{
    return boost::asio::async_initiate<CompletionToken, void(std::error_code, commit_result)>(
        [&s](auto handler, std::vector<events::routed_event> batch) {
            auto work = boost::asio::make_work_guard(handler);
            // commit_handler is a std::function, which must be copyable; Asio handlers are
            // move-only, so the handler waits in shared state.
            using handler_t = decltype(handler);
            auto state = std::make_shared<std::pair<handler_t, decltype(work)>>(std::move(handler),
                                                                                std::move(work));
            // Both leave the shared state when the commit completes: the store may keep the
            // std::function after the I/O context is gone, and nothing bound to the context
            // may die with it.
            s.apply(std::move(batch), [state](std::error_code ec, commit_result result) {
                auto work = std::move(state->second);
                boost::asio::post(work.get_executor(),
                                  [handler = std::move(state->first), ec, result]() mutable {
                                      std::move(handler)(ec, result);
                                  });
            });
        },
        token, std::move(batch));
}

} // namespace mailgate::core::storage
