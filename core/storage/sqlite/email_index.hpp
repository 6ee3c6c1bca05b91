#pragma once

// The events' address index, kept in a table of its own (event_emails) and written in key order
// once enough entries are pending, across many groups. Its keys are hashes of addresses, random
// by nature: inserted one event at a time, each insert dirtied a leaf of its own, which the log
// took whole at every commit; the index cost the writer more than the event rows themselves.
// Written together and sorted, many entries share each leaf they dirty.
//
// Pending entries are not lost with the process: index_marks records the last event the table
// covers, and the events after it are the pending ones, read back at start-up. Reads look up
// the table and scan the events after the mark, so they are exact at every moment.

#include "core/storage/sqlite/connection.hpp"

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace mailgate::core::storage::sqlite {

/// Used by the writer's thread only.
class email_index {
public:
    /// Writes once `write_at` entries are pending (at least 1).
    explicit email_index(std::size_t write_at) noexcept : write_at_(write_at < 1 ? 1 : write_at) {}

    /// Takes up the entries of the events stored after the mark. Throws sqlite_error.
    void recover(connection& db);

    void add(int64_t email_hash, int64_t event_id) { entries_.emplace_back(email_hash, event_id); }

    /// A mark to undo a failed job's entries with truncate().
    std::size_t size() const noexcept { return entries_.size(); }
    void truncate(std::size_t size) { entries_.resize(size); }

    /// Around each group's transaction: begin_group() before its jobs run; write_if_due() last
    /// before it commits (throws sqlite_error); then committed(), or rolled_back() when the
    /// transaction did not commit, which forgets the group's entries and keeps the older ones.
    void begin_group() noexcept { group_start_ = entries_.size(); }
    void write_if_due(connection& db);
    void committed() noexcept;
    void rolled_back();

private:
    std::vector<std::pair<int64_t, int64_t>> entries_; // (email_hash, event_id) in id order
    std::size_t write_at_;
    std::size_t group_start_ = 0;
    bool written_ = false; // by this group's transaction
};

} // namespace mailgate::core::storage::sqlite
