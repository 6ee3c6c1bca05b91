#pragma once

// Base64 (RFC 4648) on OpenSSL: the standard alphabet with padding, and the URL-safe one
// without, for values that travel in URLs and headers.

#include <optional>
#include <string>
#include <string_view>

namespace mailgate::core::encoding {

std::string base64_encode(std::string_view data);

/// Strict: only text that the result encodes back to exactly (no white space, no stray bits,
/// right padding). Nothing for anything else.
std::optional<std::string> base64_decode(std::string_view text);

/// The URL-safe alphabet (`-`, `_`), no padding.
std::string base64url_encode(std::string_view data);
std::optional<std::string> base64url_decode(std::string_view text);

} // namespace mailgate::core::encoding
