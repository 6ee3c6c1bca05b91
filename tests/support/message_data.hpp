#pragma once

// The lines a client sends between DATA and the final ".", turned back into the message.

#include "tests/support/line_buffer.hpp"

#include <cstddef>
#include <optional>
#include <string>

namespace mailgate::testing {

/// Bounded: keeps at most `size_limit` octets and only counts the rest, so the server can read
/// an oversized message to its end and refuse it then. THREAD: not thread-safe.
class message_data {
public:
    explicit message_data(std::size_t size_limit);

    /// One line before the final "."; removes the dot-stuffing.
    void add(const received_line& line);

    /// The reply refusing the message, when a line was too long or it is over the limit.
    std::optional<std::string> refusal() const;

    /// The message with CRLF line ends. Moves it out.
    std::string take();

    /// For the transcript, which sums the message up instead of repeating it.
    std::string summary() const;

private:
    std::size_t size_limit_;
    std::string text_;
    std::size_t octets_ = 0;
    std::size_t lines_ = 0;
    bool line_too_long_ = false;
};

} // namespace mailgate::testing
