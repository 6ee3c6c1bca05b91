#pragma once

// UTF-8 checks on Boost.Locale's header-only decoder: strict (no overlong forms, surrogates or
// code points past U+10FFFF), so text that passes can be labelled charset=utf-8 and split
// at character boundaries safely.

#include <cstddef>
#include <string>
#include <string_view>

namespace mailgate::core::encoding {

bool is_ascii(std::string_view text);

bool is_valid_utf8(std::string_view text);

/// `text` with each ill-formed sequence replaced by U+FFFD (one per offending octet), for
/// output that must be UTF-8 whatever it was given.
std::string to_valid_utf8(std::string_view text);

/// The octets of the character that starts at `text[pos]`; `text` must be valid UTF-8.
std::size_t utf8_char_size(std::string_view text, std::size_t pos);

} // namespace mailgate::core::encoding
