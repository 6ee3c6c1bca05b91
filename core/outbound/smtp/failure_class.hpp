#pragma once

// What kind of failure ended a send, in the words an operator sees, and what to do about it.

#include "core/outbound/smtp/smtp_reply.hpp"

#include <string_view>

namespace mailgate::core::outbound::smtp {

/// `suppressed`: the recipient was on the suppression list when the attempt was about to start,
/// so nothing was sent.
enum class failure_class {
    none,
    invalid_address,
    dispatch_failed,
    connection_error,
    timeout,
    suppressed
};

/// "SMTP invalid email ID", "SMTP dispatching failed", "SMTP connection error", "SMTP timeout",
/// "recipient suppressed".
std::string_view describe(failure_class c);

/// One sentence an operator can act on.
std::string_view hint(failure_class c);

struct reply_failure {
    failure_class failure = failure_class::none;
    bool permanent = false;
};

/// Classifies a refusal at `phase` ("mail", "rcpt", ...). A 5xx naming the address (enhanced
/// 5.1.x, or 501/553 at MAIL or RCPT without an enhanced code of another subject) is
/// invalid_address; any other 5xx is a permanent dispatch_failed; anything else (4xx, or a
/// reply the command does not allow) is a transient dispatch_failed.
reply_failure classify(const smtp_reply& reply, std::string_view phase);

} // namespace mailgate::core::outbound::smtp
