#pragma once

// Small text helpers over ASCII-compatible text (UTF-8 passes through unchanged): the bounce
// formats are read by case-insensitive phrases and by the addresses they name.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mailgate::core::bounces {

std::string_view trim(std::string_view s) noexcept;

/// Where `needle` (lower case) occurs in `hay`, ignoring ASCII case, or npos.
std::size_t ifind(std::string_view hay, std::string_view needle, std::size_t from = 0) noexcept;
inline bool icontains(std::string_view hay, std::string_view needle) noexcept
{
    return ifind(hay, needle) != std::string_view::npos;
}
bool istarts_with(std::string_view s, std::string_view prefix) noexcept;
bool iequals(std::string_view a, std::string_view b) noexcept;

/// White space runs folded to one space, trimmed, at most `bound` bytes.
std::string fold_space(std::string_view s, std::size_t bound);

/// The lines of LF-separated text (no line keeps its LF).
std::vector<std::string_view> split_lines(std::string_view text);

struct found_address {
    std::string_view address;
    std::size_t at; ///< offset in the scanned text
};

/// Every mailbox-like token (local@domain.tld) in `text`, in order, repeats included.
std::vector<found_address> find_addresses(std::string_view text);

/// The first address in a header or field value ("Ann <a@x.org>", "rfc822; a@x.org"), or empty.
std::string_view first_address(std::string_view value);

/// A DSN field value without its type ("rfc822; a@x" -> "a@x", "smtp; 550 ..." -> "550 ...").
std::string_view without_type(std::string_view value) noexcept;

/// The reply code in a diagnostic: at its start ("550 5.1.1 ...", "smtp; 550-...") or standing
/// before a status code anywhere ("... said: 550 5.1.1 ..."), or 0.
int find_reply_code(std::string_view text) noexcept;

/// The first enhanced status code in `text` that reports a failure (4.x.x or 5.x.x): a
/// transcript quotes the 2.x.x replies before the refusal.
std::string_view find_failure_status(std::string_view text) noexcept;

} // namespace mailgate::core::bounces
