#pragma once

// SHA-256 on OpenSSL, for the idempotency keys on the callback path: the digest is fetched
// once and each thread keeps its own context, so hashing costs no provider look-up or lock.

#include <array>
#include <string_view>

namespace mailgate::core::encoding {

using sha256_digest = std::array<unsigned char, 32>;

/// THREAD: any.
sha256_digest sha256(std::string_view data);

} // namespace mailgate::core::encoding
