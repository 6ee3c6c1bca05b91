#pragma once

#include <span>
#include <string>

namespace mailgate::core::encoding {

/// `bytes` as lower-case hex digits, two per byte: digests and keys in text.
inline std::string hex(std::span<const unsigned char> bytes)
{
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const unsigned char b : bytes) {
        out += digits[b >> 4];
        out += digits[b & 0xf];
    }
    return out;
}

} // namespace mailgate::core::encoding
