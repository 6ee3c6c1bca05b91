#pragma once

// Writing one routed event inside the writer's transaction: the row, its suppression change
// and its campaign counters, or nothing when its key is already stored. Shared by the jobs that
// store callbacks and those that record deliveries (an in-band bounce is an event too).

#include "core/events/event.hpp"
#include "core/storage/sqlite/connection.hpp"

#include <array>
#include <cstdint>
#include <string>

namespace mailgate::core::storage::sqlite {

using key_hash = std::array<unsigned char, 16>;

/// What the writer needs of an event beyond the event itself, made before it reaches the
/// writer's thread.
struct prepared_event {
    key_hash key;
    std::string system_events_json;
    int64_t email_hash;
};

prepared_event prepare_event(const events::routed_event& routed);

/// False for a duplicate, which changes nothing. Throws sqlite_error.
bool apply_event(connection& db, const events::routed_event& routed,
                 const prepared_event& prepared);

} // namespace mailgate::core::storage::sqlite
