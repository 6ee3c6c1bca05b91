#pragma once

// Header text as RFC 5322 and RFC 2047 want it on the wire: non-ASCII text as encoded words,
// long lines folded.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace mailgate::core::outbound::mime {

/// The line length RFC 5322 §2.1.1 recommends; folding aims for it.
inline constexpr std::size_t folded_line_length = 78;

/// `text` (valid UTF-8, not empty) as RFC 2047 encoded words in UTF-8, Q when it is mostly
/// ASCII and B otherwise, joined by single spaces. Each word is at most 75 characters, the
/// first at most `first_room` unless one character alone needs more; no word splits a UTF-8
/// sequence. Q uses only the characters RFC 2047 §5(3) allows in a phrase, so the words serve
/// display names as well as unstructured text.
std::string encode_words(std::string_view text, std::size_t first_room);

/// "name: value" and CRLF, folded before white space (RFC 5322 §2.2.3) so that lines stay
/// within 78 octets where the value allows; never right after the colon, never where no text
/// follows. Nothing when a line would still pass 998 octets. Unfolding gives back the value.
std::optional<std::string> fold_header(std::string_view name, std::string_view value);

/// fold_header's line; throws message_error naming the header when it has none.
std::string header_line(std::string_view name, std::string_view value);

} // namespace mailgate::core::outbound::mime
