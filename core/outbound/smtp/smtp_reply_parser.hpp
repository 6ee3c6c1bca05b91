#pragma once

// Splits what an SMTP server sends into replies, as the bytes arrive. Multi-line replies
// ("250-..." then "250 ...") become one reply; several replies may arrive in one read
// (PIPELINING) and are returned one by one.

#include "core/outbound/smtp/smtp_reply.hpp"

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace mailgate::core::outbound::smtp {

/// Bytes that are not SMTP replies, or replies over the parser's bounds.
class smtp_protocol_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Bounded, so that a hostile server cannot make the client buffer without end: a line may
/// hold `max_line_length` bytes and a reply `max_lines` lines. NOT thread-safe.
class smtp_reply_parser {
public:
    /// RFC 5321 allows 512 per reply line; real servers send longer EHLO and error lines.
    static constexpr std::size_t max_line_length = 2048;
    static constexpr std::size_t max_lines = 256;

    void feed(std::string_view bytes);

    /// The next complete reply, or nothing until more bytes arrive. Throws
    /// smtp_protocol_error for malformed or over-long input; the parser is then unusable.
    std::optional<smtp_reply> next();

    /// The lines of the reply next() returned last, as the server sent them but with control
    /// characters escaped, as in every reply's text (for transcripts).
    const std::vector<std::string>& raw_lines() const noexcept { return raw_lines_; }

    /// Bytes received but not yet returned as a reply.
    bool has_pending() const noexcept { return !buffer_.empty() || !pending_.empty(); }

private:
    std::optional<std::string> take_line();
    smtp_reply finish_reply();

    std::string buffer_;               // bytes not yet split into lines
    std::vector<std::string> pending_; // lines of the reply being received
    std::vector<std::string> raw_lines_;
};

} // namespace mailgate::core::outbound::smtp
