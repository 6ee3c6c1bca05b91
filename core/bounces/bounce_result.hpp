#pragma once

// What a returned message says: the value the bounce classifier hands to whoever received the
// message (SMTP listener, IMAP poller, API, CLI). Plain values that own their strings, so a result
// outlives the message it was read from and may move between threads.

#include "core/reasons/reason.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace mailgate::core::bounces {

/// What kind of message it was. Only `bounce` and `feedback` may become events that suppress or
/// count; the others are reported so that a caller can file them and move on.
enum class message_kind {
    bounce,     ///< a failure (or a delay) for one or more recipients
    feedback,   ///< an ARF complaint (RFC 5965) or an ESP's complaint notification
    auto_reply, ///< an RFC 3834 auto-reply or vacation notice
    delivered,  ///< a DSN that says "delivered", "relayed" or "expanded"
    not_bounce, ///< an ordinary message, or nothing that could be read
};

std::string_view to_string(message_kind k) noexcept;

/// The headers of the returned original, as far as the report gives them back.
struct original_headers {
    std::string message_id;  ///< without angle brackets
    std::string meta;        ///< the gateway's X-Mailgate-Meta header, as it was sent
    std::string return_path; ///< the original envelope sender (Return-Path, else the DSN's)
    std::string from;        ///< the From address
    std::string to;          ///< the To address (the complained recipient of some ARF reports)
};

/// One recipient the report is about.
struct bounce_record {
    /// The address as the report gives it (Final-Recipient, the MTA's text, ...), without
    /// "rfc822;" and angle brackets; empty when the report names none (a redacted complaint).
    std::string recipient;
    reasons::reason why = reasons::reason::undefined;
    bool hard = false;         ///< reasons::is_hard(why, a 5xx code or 5.x.x status)
    int smtp_code = 0;         ///< the SMTP reply code (550), or 0
    std::string status;        ///< the enhanced status code ("5.1.1"), or empty
    std::string diagnostic;    ///< the remote server's words, white space folded, bounded
    std::string reporting_mta; ///< the MTA that wrote the report (Reporting-MTA, else From host)
    std::string remote_mta;    ///< the server that refused, when the report says
    std::string action;        ///< "failed", "delayed", ... (DSN Action, or implied)
    std::string feedback_type; ///< ARF: "abuse", "opt-out", "auth-failure", ...
};

struct bounce_result {
    message_kind kind = message_kind::not_bounce;
    /// `bounce` and `feedback`: one record per recipient, in the report's order. `delivered`:
    /// the delivered recipients (why = delivered). `auto_reply`: one record for the replying
    /// address (why = vacation). `not_bounce`: empty.
    std::vector<bounce_record> records;
    original_headers original;
    /// The format that was read: "rfc3464", "arf", "qmail", "exim", "amazonses-json", ...
    std::string format;
};

} // namespace mailgate::core::bounces
