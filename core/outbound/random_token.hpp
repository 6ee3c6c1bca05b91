#pragma once

#include <string>

namespace mailgate::core::outbound {

/// 128 bits from OpenSSL's CSPRNG as base64url (22 characters: letters, digits, '-', '_').
/// Throws std::runtime_error when no random bytes are available. THREAD: any.
std::string random_token();

} // namespace mailgate::core::outbound
