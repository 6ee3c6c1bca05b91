#pragma once

// Where the ways in (the SMTP listener, the IMAP poller, the API, the CLI) hand a received
// message: they know transports, not what a bounce means or where it is stored.

#include <functional>
#include <string>
#include <system_error>

namespace mailgate::core::bounces {

/// What became of a message handed to a sink.
enum class sink_outcome {
    handled,    ///< a bounce or complaint: its records are durable
    not_bounce, ///< an auto-reply, a "delivered" report or ordinary mail: nothing stored
};

/// Called once, from any thread, when the message's result is durable (`ec` empty) or could
/// not be made so (`ec` set: nothing was stored; the way in keeps the message to retry).
/// Must not block.
using sink_done = std::function<void(std::error_code ec, sink_outcome outcome)>;

/// Takes one raw RFC 5322 message as received and, for the SMTP listener, the envelope
/// recipient it came to (a signed return path), else empty. THREAD: any; never blocks.
using message_sink =
    std::function<void(std::string raw, std::string envelope_recipient, sink_done done)>;

} // namespace mailgate::core::bounces
