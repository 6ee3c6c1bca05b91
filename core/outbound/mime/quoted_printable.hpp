#pragma once

#include <string>
#include <string_view>

namespace mailgate::core::outbound::mime {

/// Quoted-printable (RFC 2045 §6.7) for a text body whose line breaks are CRLF (they stay hard
/// line breaks): encoded lines of at most 76 characters with soft breaks, `=` and octets
/// outside printable ASCII escaped, and white space escaped where it would end a line.
std::string quoted_printable_encode(std::string_view text);

} // namespace mailgate::core::outbound::mime
