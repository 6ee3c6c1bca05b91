#pragma once

// Splits what a client sends into lines, however the bytes arrive: several commands in one read
// (pipelining) or one line over several reads. Bounded: it holds at most the longest line it was
// asked for plus one read; the rest of an over-long line is dropped as it arrives.
//
// A line ends at LF, with or without a CR before it (bare LF is taken, as Postfix takes it); the
// data reader needs to know which, so each line says. A CR alone ends nothing.

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace mailgate::core::smtp_server {

struct line {
    /// Without its line end; empty when too_long. Valid until the next prepare() or clear().
    std::string_view text;
    bool crlf = true;      ///< ended with CR LF, not a bare LF
    bool too_long = false; ///< longer than asked, line end included: its text is gone
};

/// NOT thread-safe.
class line_reader {
public:
    /// `read_size`: the most one read adds.
    explicit line_reader(std::size_t read_size = 16 * 1024);

    /// Room for the next read (at most read_size bytes), then commit() what it filled.
    std::span<char> prepare();
    void commit(std::size_t n);

    /// The next complete line of at most `limit` bytes with its line end; a line over it comes
    /// out once, as too_long, when its end arrives. Nothing when more bytes are needed.
    std::optional<line> next(std::size_t limit);

    /// Bytes received and not yet taken as lines.
    std::size_t buffered() const noexcept { return buffer_.size() - start_; }

    /// Forgets what was received and not taken (what a client pipelined behind STARTTLS).
    void clear();

private:
    std::size_t read_size_;
    std::string buffer_;
    std::size_t start_ = 0;   // where the untaken bytes begin
    std::size_t filled_ = 0;  // bytes before prepare()'s room
    bool discarding_ = false; // inside an over-long line
    bool last_dropped_cr_ = false;
};

} // namespace mailgate::core::smtp_server
