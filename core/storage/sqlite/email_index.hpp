#pragma once

// The events' address index, kept in a table of its own (event_emails) and written in key order
// many entries at a time. Its keys are hashes of addresses, random by nature: inserted one event
// at a time, each insert dirtied a leaf of its own, which the log took whole at every commit;
// the index cost the writer more than the event rows themselves. Written together and sorted,
// many entries share each leaf they dirty.
//
// index_marks records the last event the table covers. What comes after is read from the events
// themselves when the index is written, so nothing depends on memory: not a restart, and not
// another process writing to the same file (mailgate replay --apply). Reads look up the table
// and scan the events after the mark, so they are exact at every moment.

#include "core/storage/sqlite/connection.hpp"

#include <cstddef>

namespace mailgate::core::storage::sqlite {

/// Used by the writer's thread only.
class email_index {
public:
    /// Writes once `write_at` events were stored since the last write (at least 1).
    explicit email_index(std::size_t write_at) noexcept : write_at_(write_at < 1 ? 1 : write_at) {}

    /// An event was stored in the current transaction.
    void stored() noexcept { ++since_write_; }

    /// Last before a group's transaction commits: indexes the events after the mark when enough
    /// were stored. Throws sqlite_error.
    void write_if_due(connection& db);
    /// After the transaction: whether it committed what write_if_due() wrote.
    void finished(bool committed) noexcept;

private:
    std::size_t write_at_;
    std::size_t since_write_ = 0;
    bool written_ = false; // by the current transaction
};

} // namespace mailgate::core::storage::sqlite
