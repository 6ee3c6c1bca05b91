#pragma once

// Base32 (RFC 4648 §6) in lower case, without padding: for values that must survive a mail
// system changing their case, as local parts of addresses may.

#include <optional>
#include <string>
#include <string_view>

namespace mailgate::core::encoding {

std::string base32_encode(std::string_view data);

/// Either case. Strict otherwise: only text that encodes back to itself (in lower case), so
/// one value has one form. Nothing for anything else.
std::optional<std::string> base32_decode(std::string_view text);

} // namespace mailgate::core::encoding
