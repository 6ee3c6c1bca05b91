#pragma once

#include <cstdint>
#include <string>

namespace mailgate::core::outbound::mime {

/// 128 bits from OpenSSL's CSPRNG as base64url (22 characters: letters, digits, '-', '_').
/// Throws std::runtime_error when no random bytes are available. THREAD: any.
std::string random_token();

/// 12 lower-case hex digits of `unix_ms`, then 96 random bits as base64url: 28 characters that
/// sort by creation time. Queue ids are made this way so that the queue's B-tree inserts land
/// on the last page instead of a random one, which a durable commit would rewrite. Throws as
/// random_token. THREAD: any.
std::string time_ordered_token(int64_t unix_ms);

} // namespace mailgate::core::outbound::mime
