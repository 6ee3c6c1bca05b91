#pragma once

// The message after DATA, line by line (RFC 5321 §4.1.1.4, §4.5.2): dot-unstuffed, its lines
// ended with CR LF, bounded by the size limit. The end of the data is a line of one dot between
// two line ends of one kind: CR LF . CR LF, or (leniently, bare-LF clients) LF . LF. A dot line
// between mixed line ends is content: it ends nothing, so that a message cannot end where an MTA
// before us saw none (SMTP smuggling).

#include "core/smtp_server/line_reader.hpp"

#include <cstddef>
#include <string>
#include <utility>

namespace mailgate::core::smtp_server {

/// NOT thread-safe.
class data_reader {
public:
    /// `max_size`: the most bytes of message kept; `crlf`: how the DATA command's line ended.
    data_reader(std::size_t max_size, bool crlf);

    /// Takes the next line; true when it was the end of the data (then add nothing more).
    bool add(const line& l);

    /// Over max_size: the rest was read and dropped.
    bool too_large() const noexcept { return too_large_; }
    /// A line was longer than the reader allows: its text was dropped.
    bool line_too_long() const noexcept { return line_too_long_; }

    /// The message received, each line ended by CR LF.
    std::string take() { return std::move(message_); }

private:
    std::size_t max_size_;
    bool previous_crlf_;
    bool too_large_ = false;
    bool line_too_long_ = false;
    std::string message_;
};

} // namespace mailgate::core::smtp_server
