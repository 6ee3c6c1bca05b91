#pragma once

// Splits what an SMTP peer sends into lines, however the bytes arrive: several commands in one
// read (pipelining) or one command over several reads.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace mailgate::testing {

struct received_line {
    std::string text;      ///< without the line end; empty when `too_long`
    bool too_long = false; ///< the line (with its line end) was over the limit; its text is gone
};

/// Bounded: holds at most `max_line` bytes of an unfinished line plus one appended chunk, and
/// drops the rest of an over-long line as it arrives. Lines end at LF; a CR before it is
/// removed. THREAD: not thread-safe.
class line_buffer {
public:
    explicit line_buffer(std::size_t max_line);

    void append(std::string_view bytes);

    /// The next complete line, if one has arrived.
    std::optional<received_line> next();

    /// Forgets everything received so far (what a client pipelined behind STARTTLS).
    void clear();

private:
    std::size_t max_line_;
    std::string pending_;
    bool discarding_ = false;
};

} // namespace mailgate::testing
