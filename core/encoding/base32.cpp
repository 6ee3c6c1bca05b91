#include "core/encoding/base32.hpp"

#include "core/encoding/ascii.hpp"

#include <cstdint>

namespace mailgate::core::encoding {
namespace {

constexpr std::string_view alphabet = "abcdefghijklmnopqrstuvwxyz234567";

int value_of(char c) noexcept
{
    const auto pos = alphabet.find(ascii_lower(c));
    return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}

} // namespace

std::string base32_encode(std::string_view data)
{
    std::string out;
    out.reserve((data.size() * 8 + 4) / 5);
    uint32_t buffer = 0;
    int bits = 0;
    for (const char c : data) {
        buffer = (buffer << 8) | static_cast<unsigned char>(c);
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            out += alphabet[(buffer >> bits) & 0x1f];
        }
    }
    if (bits > 0) {
        out += alphabet[(buffer << (5 - bits)) & 0x1f];
    }
    return out;
}

std::optional<std::string> base32_decode(std::string_view text)
{
    std::string out;
    out.reserve(text.size() * 5 / 8);
    uint32_t buffer = 0;
    int bits = 0;
    for (const char c : text) {
        const int v = value_of(c);
        if (v < 0) {
            return std::nullopt;
        }
        buffer = (buffer << 5) | static_cast<uint32_t>(v);
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((buffer >> bits) & 0xff);
        }
    }
    // Left-over bits must be zero and fewer than a character's worth: otherwise another text
    // decodes to the same bytes.
    if (bits >= 5 || (buffer & ((1U << bits) - 1)) != 0) {
        return std::nullopt;
    }
    return out;
}

} // namespace mailgate::core::encoding
