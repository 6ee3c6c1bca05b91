#pragma once

// Hands a received message to the bounces sink and waits, on the session's executor, for its
// sink_done: from any thread, at once or later, or never (then the wait ends at its bound).

#include "core/bounces/message_sink.hpp"

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <string>
#include <system_error>

namespace mailgate::core::smtp_server {

struct sink_result {
    std::error_code ec; ///< set: nothing durable (the sink failed, threw, or did not answer)
    bounces::sink_outcome outcome = bounces::sink_outcome::not_bounce;
};

/// Calls `sink` and awaits its answer for at most `timeout`. A sink that throws or answers late
/// is a failure; an answer after the wait is ignored. Never throws what the sink throws.
/// LIFETIME: the executor's io_context must outlive the sink's call of sink_done, or that call
/// must come after the coroutine's frame is gone (it then does nothing).
boost::asio::awaitable<sink_result> call_sink(const bounces::message_sink& sink, std::string raw,
                                              std::string envelope_recipient,
                                              std::chrono::milliseconds timeout);

} // namespace mailgate::core::smtp_server
