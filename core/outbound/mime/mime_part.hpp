#pragma once

// The body parts of a message (RFC 2045, RFC 2046): leaves with a transfer encoding chosen for
// their content, and multiparts around them.

#include "core/outbound/mime/mime_message.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace mailgate::core::outbound::mime {

struct mime_part {
    std::string headers; ///< the part's Content-* header lines, folded, each ending in CRLF
    std::string body;    ///< encoded; ends in CRLF unless empty
};

/// A text/`subtype` part, charset=utf-8, in canonical form (CRLF line breaks, ending with one);
/// 7bit, quoted-printable or base64 by content. Throws message_error when `text` is not UTF-8.
mime_part text_part(std::string_view subtype, std::string_view text);

/// Base64 in 76-character lines, Content-Disposition: attachment with the file name. Throws
/// message_error on a file name or content type it cannot carry.
mime_part attachment_part(const attachment& file);

/// multipart/`subtype` around `parts`, with a random boundary that none of them contains.
mime_part multipart(std::string_view subtype, const std::vector<mime_part>& parts);

/// The headers, a blank line, the body.
std::string render(const mime_part& part);

} // namespace mailgate::core::outbound::mime
