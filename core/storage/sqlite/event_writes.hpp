#pragma once

// Writing one routed event inside the writer's transaction: the row, its suppression change
// and its campaign counters, or nothing when its key is already stored. Shared by the jobs that
// store callbacks and those that record deliveries (an in-band bounce is an event too).

#include "core/events/event.hpp"
#include "core/storage/prepared_event.hpp"
#include "core/storage/sqlite/connection.hpp"
#include "core/storage/sqlite/event_indexes.hpp"

#include <string>

namespace mailgate::core::storage::sqlite {

/// False for a duplicate, which changes nothing: its key is known to `indexes`, which learn of
/// each stored event. Throws sqlite_error.
bool apply_event(connection& db, event_indexes& indexes, const events::routed_event& routed,
                 const prepared_event& prepared);

/// Removes the address's suppression, whatever its reason, and counts the lift when there was
/// one (address_lifts). True when there was one. Throws sqlite_error.
bool remove_suppression(connection& db, const std::string& email);

} // namespace mailgate::core::storage::sqlite
