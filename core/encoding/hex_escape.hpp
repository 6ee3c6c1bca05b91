#pragma once

#include <string>

namespace mailgate::core::encoding {

/// `mark` and the octet as two upper-case hex digits: "=3D" in quoted-printable and RFC 2047 Q,
/// "%3D" in URLs and RFC 2231 values.
inline std::string hex_escape(char mark, char octet)
{
    static constexpr char digits[] = "0123456789ABCDEF";
    const auto b = static_cast<unsigned char>(octet);
    return {mark, digits[b >> 4], digits[b & 0xf]};
}

} // namespace mailgate::core::encoding
