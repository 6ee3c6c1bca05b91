#pragma once

// The events' address index, kept in a table of its own (event_emails) and written once per
// group in key order. Its keys are hashes of addresses, random by nature: inserted one event at
// a time, each insert descended to a leaf far from the last one, and the index cost the writer
// more than the event rows themselves. Sorted, consecutive inserts walk pages the previous one
// left in the CPU's cache.

#include "core/storage/sqlite/connection.hpp"

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace mailgate::core::storage::sqlite {

/// Entries gathered while a group's jobs run, written before the group commits. Used by the
/// writer's thread only.
class email_index {
public:
    void add(int64_t email_hash, int64_t event_id) { entries_.emplace_back(email_hash, event_id); }

    /// How many entries are gathered: a mark to undo a failed job's entries with truncate().
    std::size_t size() const noexcept { return entries_.size(); }
    void truncate(std::size_t size) { entries_.resize(size); }
    void clear() noexcept { entries_.clear(); }

    /// Writes the gathered entries in key order and forgets them. Throws sqlite_error.
    void write(connection& db);

private:
    std::vector<std::pair<int64_t, int64_t>> entries_;
};

} // namespace mailgate::core::storage::sqlite
