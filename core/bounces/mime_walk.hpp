#pragma once

// The parts of a returned message that the formats are read from, gathered in one walk over
// GMime's tree. Everything is copied out, decoded to UTF-8 where GMime knows the charset, and
// bounded (bounce_classifier.hpp states the bounds).

#include "core/bounces/dsn_fields.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace mailgate::core::bounces {

struct message_parts {
    field_group headers;         ///< the top-level header section (names in lower case)
    std::string content_type;    ///< of the top level, lower case: "multipart/report"
    std::string report_type;     ///< its report-type parameter, lower case
    std::string text;            ///< the top level's text (text/plain, else text/html as text)
    std::string delivery_status; ///< every (global-)delivery-status part, one after the other
    std::string feedback_report; ///< the first message/feedback-report part
    /// The header section of the returned original (message/rfc822's headers or
    /// text/rfc822-headers), as "Name: value" lines; empty when there is none as a part.
    std::string original_headers;
    bool has_original_part = false;
};

/// The message with every line ending made LF, NUL bytes made spaces, a leading mbox
/// "From " line dropped, and cut to the input bounds.
std::string prepare_input(std::string_view raw);

/// Walks the prepared message. Never throws on bad input; a message GMime cannot read at all
/// yields empty parts.
message_parts walk_message(std::string_view prepared);

} // namespace mailgate::core::bounces
