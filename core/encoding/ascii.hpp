#pragma once

// ASCII case, without the locale lookup per character that std::tolower and Boost's to_lower
// make: for names and addresses on the callback path, whose non-ASCII letters are folded apart
// or not at all.

#include <string>
#include <string_view>

namespace mailgate::core::encoding {

/// `c` lowered when it is A-Z.
constexpr char ascii_lower(char c) noexcept
{
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

/// `text` with A-Z lowered; every other byte as it is.
inline std::string ascii_lower(std::string_view text)
{
    std::string out(text);
    for (char& c : out) {
        c = ascii_lower(c);
    }
    return out;
}

} // namespace mailgate::core::encoding
