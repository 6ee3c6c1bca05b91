#pragma once

/// Conversions between the ABI's borrowed `mg_str` and `std::string_view`.
/// Neither copies: the result borrows the same bytes, for as long as the source lives.

#include <mailgate/sdk/abi.h>

#include <cstddef>
#include <string_view>

namespace mailgate::sdk {

/// Views an ABI string. OWNERSHIP: borrowed; valid as long as the `mg_str` it came from.
inline std::string_view to_view(mg_str s) noexcept
{
    return s.len == 0 ? std::string_view{} : std::string_view{s.ptr, s.len};
}

/// Views a C++ string as an ABI string. OWNERSHIP: borrowed from `s`.
inline mg_str to_mg_str(std::string_view s) noexcept
{
    return mg_str{s.data(), s.size()};
}

/// ASCII case-insensitive equality, as HTTP header names compare.
inline bool iequals(std::string_view a, std::string_view b) noexcept
{
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; };
        if (lower(a[i]) != lower(b[i])) {
            return false;
        }
    }
    return true;
}

/// Compares secrets (tokens, signatures) in time that depends only on their lengths, so a
/// caller cannot learn how many leading bytes of a guess were right.
inline bool constant_time_equals(std::string_view a, std::string_view b) noexcept
{
    if (a.size() != b.size()) {
        return false;
    }
    volatile unsigned char diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        diff = diff | static_cast<unsigned char>(a[i] ^ b[i]);
    }
    return diff == 0;
}

} // namespace mailgate::sdk
