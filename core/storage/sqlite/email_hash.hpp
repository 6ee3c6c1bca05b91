#pragma once

// The events.email_hash column: the first 8 bytes of SHA-256 of the (normalised) address, as
// a signed 64-bit integer. Indexed instead of the address itself, whose long text entries made
// the index that every event inserts into at a random place large and slow to search.

#include "core/encoding/sha256.hpp"

#include <cstdint>
#include <cstring>
#include <string_view>

namespace mailgate::core::storage::sqlite {

inline int64_t email_hash(std::string_view email)
{
    const auto digest = encoding::sha256(email);
    int64_t out = 0;
    std::memcpy(&out, digest.data(), sizeof out);
    return out;
}

} // namespace mailgate::core::storage::sqlite
