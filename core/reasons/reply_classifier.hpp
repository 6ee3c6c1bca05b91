#pragma once

// One classifier for every refusal the gateway learns of: an SMTP server's reply while the
// gateway sends, the diagnostic an ESP forwards in a callback, the Diagnostic-Code of a bounce
// mail. From the reply code, the enhanced status code and the text to a reason; the knowledge
// lives in rule tables (reply_rules.cpp), not in branches.

#include "core/reasons/reason.hpp"

#include <string_view>

namespace mailgate::core::reasons {

/// What a refusal says. Every part may be missing: an ESP may forward only a text, a DSN only
/// a status.
struct smtp_report {
    int code = 0;            ///< the SMTP reply code (550), or 0
    std::string_view status; ///< the enhanced status code ("5.1.1"), or empty
    std::string_view text;   ///< the reply or diagnostic text, as received
};

struct classification {
    reason why = reason::undefined;
    bool permanent = false; ///< a 5xx code, or else a 5.x.x status
    bool hard = false;      ///< is_hard(why, permanent)
    /// The reason is the receiver's own error code's ("OFR_506"), not read from its words.
    bool by_receiver_code = false;
};

/// Classifies a refusal. A status code is looked for in the text when none is given (the
/// "5.1.1" of "550-5.1.1 The email account..." or qmail's "(#5.1.1)"). THREAD: any.
classification classify(const smtp_report& report);

/// The reply code a diagnostic starts with ("550 5.1.1 ...", "smtp;550 ...", "550-5.1.1"), or 0.
int reply_code_of(std::string_view text) noexcept;

/// The first enhanced status code in `text` ("5.7.1", "4.2.2", "5.1.10"), or empty. Only a
/// code standing on its own counts: not a part of an IP address or of a version number.
std::string_view find_status(std::string_view text) noexcept;

} // namespace mailgate::core::reasons
