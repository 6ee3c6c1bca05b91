#pragma once

// Writing one routed event inside the writer's transaction: the row, its suppression change
// and its campaign counters, or nothing when its key is already stored. Shared by the jobs that
// store callbacks and those that record deliveries (an in-band bounce is an event too).

#include "core/events/event.hpp"
#include "core/storage/prepared_event.hpp"
#include "core/storage/sqlite/connection.hpp"
#include "core/storage/sqlite/event_indexes.hpp"
#include "core/storage/store.hpp"
#include "core/storage/suppression_policy.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mailgate::core::storage::sqlite {

/// False for a duplicate, which changes nothing: its key is known to `indexes`, which learn of
/// each stored event. Throws sqlite_error.
bool apply_event(connection& db, event_indexes& indexes, const events::routed_event& routed,
                 const prepared_event& prepared);

/// Replaces the entry for (email, stream) and records it in the history. Throws sqlite_error.
void put_suppression(connection& db, const suppression& entry);

/// Removes the address's entry for `stream` (every entry when empty), whatever its reason,
/// recording each lift at `at`, and counts the lift when there was one (address_lifts). How
/// many there were. Throws sqlite_error.
std::size_t remove_suppression(connection& db, event_indexes& indexes, const removal& what);

} // namespace mailgate::core::storage::sqlite
