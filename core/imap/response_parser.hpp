#pragma once

// The IMAP4rev1 response reader (RFC 3501 §7, §9): bytes in, responses out, with no I/O, so
// that a test or a fuzzer can give it anything. Responses are framed as they come (lines, and
// the literals `{n}` a line announces at its end), each within `response_limits`; a frame is
// then read into an imap_response. Anything a client could not act on safely (a literal over
// the bound, a line that never ends, a FETCH that does not parse) is an imap_protocol_error:
// the connection cannot be trusted after it.

#include "core/imap/imap_response.hpp"

#include <cstddef>
#include <deque>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace mailgate::core::imap {

struct response_limits {
    /// The bytes of a response's lines, all together (its literals apart).
    std::size_t max_line = 1024 * 1024;
    /// One literal: for BODY[], the largest message the client takes (max_message_size).
    std::size_t max_literal = 10 * 1024 * 1024;
    /// Literals in one response.
    std::size_t max_literals = 4;
};

class imap_protocol_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// NOT thread-safe. Buffers at most one response being framed (within the limits) and the
/// complete ones not yet taken, which are at most what one feed() brought.
class response_parser {
public:
    explicit response_parser(response_limits limits = {});

    /// Frames `bytes`. Throws imap_protocol_error when the response being framed passes a
    /// limit (the parser is then unusable).
    void feed(std::string_view bytes);
    /// The next complete response, or nothing until more bytes come. Throws
    /// imap_protocol_error for a response that does not parse.
    std::optional<imap_response> next();
    /// Bytes received beyond the responses taken: a server that sent more after its reply to
    /// STARTTLS.
    bool has_pending() const noexcept;

private:
    struct frame {
        std::vector<std::string> lines;    // without their line ends
        std::vector<std::string> literals; // literals[i] follows lines[i]
        std::size_t line_bytes = 0;
    };

    void take_line(std::string line);
    void check_line_bytes(std::size_t more) const;

    response_limits limits_;
    frame current_;
    std::string partial_line_;
    std::size_t literal_left_ = 0;
    bool in_literal_ = false;
    std::deque<frame> complete_;
};

/// Reads one framed response (exposed for the tests). Throws imap_protocol_error.
imap_response read_response(const std::vector<std::string>& lines,
                            const std::vector<std::string>& literals);

} // namespace mailgate::core::imap
