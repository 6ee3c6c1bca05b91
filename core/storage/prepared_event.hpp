#pragma once

// What a backend stores of an event beyond the event itself, derived from it before it reaches
// the writer's thread: the idempotency key, the system events as one JSON column and the
// address hash its index takes. Both backends store the same values.

#include "core/events/event.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace mailgate::core::storage {

/// The first 16 bytes of SHA-256 over provider, NUL, event_key. Short entries keep the
/// idempotency index, which takes random keys, small and quick to search.
using key_hash = std::array<unsigned char, 16>;

/// The key's bytes, to bind as a BLOB. Valid while `key` is.
inline std::string_view bytes_of(const key_hash& key) noexcept
{
    return {reinterpret_cast<const char*>(key.data()), key.size()};
}

struct prepared_event {
    key_hash key;
    std::string system_events_json;
    int64_t email_hash;
};

prepared_event prepare_event(const events::routed_event& routed);

/// The key an event that suppresses its address is stored under once that address's
/// suppression was lifted `lifts` times (address_lifts): the first 16 bytes of SHA-256 over
/// `key` and `lifts` as 8 bytes big-endian, as PostgreSQL computes it in SQL; `key` itself
/// while it never was. So a repeated opt-out is one event until the address is lifted, and
/// suppresses again after.
key_hash key_after_lifts(const key_hash& key, int64_t lifts);

/// The address index's key: the first 8 bytes of SHA-256 of the (normalised) address, as a
/// signed 64-bit integer. Indexed instead of the address itself, whose long text entries made
/// the index that every event inserts into at a random place large and slow to search.
int64_t email_hash(std::string_view email);

} // namespace mailgate::core::storage
