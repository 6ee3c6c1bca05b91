#pragma once

// Writing one routed event inside the writer's transaction: the row, its suppression change
// and its campaign counters, or nothing when its key is already stored. Shared by the jobs that
// store callbacks and those that record deliveries (an in-band bounce is an event too).

#include "core/events/event.hpp"
#include "core/storage/prepared_event.hpp"
#include "core/storage/sqlite/connection.hpp"
#include "core/storage/sqlite/email_index.hpp"

namespace mailgate::core::storage::sqlite {

/// False for a duplicate, which changes nothing. A stored event is counted in `emails`, whose
/// entries the writer stores many at a time. Throws sqlite_error.
bool apply_event(connection& db, email_index& emails, const events::routed_event& routed,
                 const prepared_event& prepared);

} // namespace mailgate::core::storage::sqlite
