#pragma once

// The RFC 5322 / MIME text of an outbound message, as it goes after SMTP DATA. Pure: no I/O.

#include "core/outbound/mime/mailbox.hpp"
#include "core/outbound/mime/message_error.hpp"

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mailgate::core::outbound::mime {

struct attachment {
    std::string filename;     ///< UTF-8, at most 255 octets
    std::string content_type; ///< "type/subtype"; empty for application/octet-stream
    std::string content;      ///< raw bytes
};

struct message_spec {
    mailbox from;
    mailbox to;
    std::optional<mailbox> reply_to;
    std::string subject; ///< UTF-8
    std::string text;    ///< UTF-8; at least one of text and html is not empty
    std::string html;    ///< UTF-8
    /// Extra headers in order (the API caller's, then the driver's decorate headers, e.g.
    /// X-Mailgate-Meta).
    std::vector<std::pair<std::string, std::string>> headers;
    std::vector<attachment> attachments;
    std::string message_id; ///< without angle brackets: "<id>@<domain>"
    std::chrono::system_clock::time_point date;
    std::string list_unsubscribe_mailto; ///< "mailto:..." or empty
    /// "https://..." or empty; when set, also List-Unsubscribe-Post: List-Unsubscribe=One-Click
    /// (RFC 8058).
    std::string list_unsubscribe_url;
};

/// Throws message_error naming the header when the caller may not set it (From, To, Cc, Bcc,
/// Subject, Date, Message-ID, MIME-Version, Content-*, Reply-To, List-Unsubscribe*, Received,
/// Return-Path), when its name is not RFC 5322 ftext or longer than 76 octets (so that
/// "name:" fits a folded line), or when its value has CR, LF or NUL or is not valid UTF-8.
void check_extra_header(std::string_view name, std::string_view value);

/// The message as sent after DATA: CRLF line ends; every header folded at 78 columns where it
/// has white space (RFC 5322 §2.2.3) and never over 998 octets; non-ASCII display names,
/// subjects and extra-header values as RFC 2047 encoded words (UTF-8, B or Q, each word <= 75
/// chars, never splitting a UTF-8 sequence), as are subjects and display names holding "=?"
/// or a word too long to fold; display names quoted when they hold specials; MIME-Version 1.0;
/// text only or HTML only: a single part; both: multipart/alternative (text first);
/// attachments: multipart/mixed around that, each part base64 with 76-char lines,
/// Content-Disposition attachment with the filename (RFC 2231 filename*=utf-8'' when not
/// ASCII). Text bodies go in canonical form: CRLF line breaks, ending with one. Body transfer
/// encoding chosen by content: 7bit when printable ASCII with lines of at most 78, quoted-
/// printable when mostly ASCII, base64 otherwise; charset=utf-8. Boundaries random (OpenSSL
/// RAND_bytes) and checked not to occur in the content. Not dot-stuffed (the SMTP client does
/// that). Addresses are checked again with parse_address. Throws message_error (address
/// problems included) naming the field. THREAD: any.
std::string build_message(const message_spec& spec);

/// The MIME entity build_message puts after the header fields: the content's Content-* fields,
/// a blank line and the encoded body (text and html as in message_spec). A request to many
/// recipients encodes its content once. Throws message_error as build_message does.
/// THREAD: any.
std::string build_entity(std::string_view text, std::string_view html,
                         std::span<const attachment> attachments);

/// The header fields build_message puts before the entity, through MIME-Version: the part of
/// a message that differs between recipients. `spec`'s text, html and attachments are not read.
/// Throws message_error as build_message does. THREAD: any.
std::string build_head(const message_spec& spec);

} // namespace mailgate::core::outbound::mime
