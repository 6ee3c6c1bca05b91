#pragma once

#include <string>
#include <string_view>

namespace mailgate::core::encoding {

/// `mark` and the octet as two upper-case hex digits: "=3D" in quoted-printable and RFC 2047 Q,
/// "%3D" in URLs and RFC 2231 values.
inline std::string hex_escape(char mark, char octet)
{
    static constexpr char digits[] = "0123456789ABCDEF";
    const auto b = static_cast<unsigned char>(octet);
    return {mark, digits[b >> 4], digits[b & 0xf]};
}

/// `text` with each control character (C0, DEL, and C1 as UTF-8 encodes it) as "\x" and its
/// octets in hex: for bytes from elsewhere shown in a log line or on a terminal, where a CR, an
/// LF or an escape sequence would forge or rewrite lines.
inline std::string escape_controls(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto b = static_cast<unsigned char>(text[i]);
        const bool c1 = b == 0xc2 && i + 1 < text.size() &&
                        (static_cast<unsigned char>(text[i + 1]) & 0xe0) == 0x80;
        if (b < 0x20 || b == 0x7f) {
            out += '\\' + hex_escape('x', text[i]);
        } else if (c1) {
            out += '\\' + hex_escape('x', text[i]) + '\\' + hex_escape('x', text[i + 1]);
            ++i;
        } else {
            out += text[i];
        }
    }
    return out;
}

} // namespace mailgate::core::encoding
