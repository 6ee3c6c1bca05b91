#pragma once

// The events' two indexes with random keys, the idempotency key (event_keys) and the address
// (event_emails), kept in tables of their own and written in key order many entries at a time;
// with them, the count rules' hits per address (rule_counts.hpp).
// Inserted one event at a time, each entry dirtied a leaf of its own, which the log took whole
// at every commit: the two indexes cost the writer more than the event rows themselves. Written
// together and sorted, many entries share each leaf they dirty.
//
// index_marks records the last event the tables cover; what comes after is read from the events
// themselves, so nothing depends on memory alone: not a restart, and not another process
// writing to the same file (mailgate replay --apply). The keys stored since are also held in
// memory, so a duplicate is known at once; that set is read back from the file whenever it may
// be wrong (at start-up, after a rollback, and when another process has stored events). Reads by
// address look up the table and scan the events after the mark, so they are exact throughout.

#include "core/storage/prepared_event.hpp"
#include "core/storage/sqlite/address_filter.hpp"
#include "core/storage/sqlite/connection.hpp"
#include "core/storage/sqlite/rule_counts.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <unordered_set>
#include <vector>

namespace mailgate::core::storage::sqlite {

/// Used by the writer's thread only, inside its transactions.
class event_indexes {
public:
    /// Writes the tables once `write_at` events were stored since the last write (at least 1).
    explicit event_indexes(std::size_t write_at) noexcept : write_at_(write_at < 1 ? 1 : write_at)
    {
    }

    /// First in each group's transaction. Throws sqlite_error.
    void begin_group(connection& db);
    /// Whether an event with `key` is stored already. Throws sqlite_error.
    bool contains(connection& db, const key_hash& key);
    /// A stored event counted by `rule` for `email` (whose email_hash is `hash`) at `at`: the
    /// address's hits for the rule, this one added (rule_counts::add). After contains(). Throws
    /// sqlite_error.
    const std::vector<int64_t>& counted(connection& db, const std::string& email, int64_t hash,
                                        const std::string& rule, int64_t at, int64_t window);
    /// Whether the address (its email_hash) may have had a suppression lifted (address_lifts,
    /// which stored_key reads). Throws sqlite_error.
    bool may_be_lifted(connection& db, int64_t hash);
    /// A lift was counted for the address. Throws sqlite_error.
    void lifted(connection& db, int64_t hash);
    /// An event with `key` was stored as `id`.
    void stored(const key_hash& key, int64_t id);
    /// A savepoint was rolled back: keys it held may have gone with it.
    void undone() noexcept { stale_ = true; }

    /// Last before a group's transaction commits: indexes the events after the mark when enough
    /// were stored. Throws sqlite_error.
    void write_if_due(connection& db);
    /// After the transaction: whether it committed.
    void finished(bool committed) noexcept;

private:
    struct key_hasher {
        std::size_t operator()(const key_hash& key) const noexcept
        {
            std::size_t out; // the key is already a hash
            std::memcpy(&out, key.data(), sizeof out);
            return out;
        }
    };

    void reload(connection& db);

    std::unordered_set<key_hash, key_hasher> pending_; // keys of the events after the mark
    rule_counts counts_;                               // their count rules' hits
    address_filter lifted_{std::size_t{1} << 16};      // address_lifts
    int64_t data_version_ = -1; // of the file, as another connection's commit changes it
    int64_t newest_id_ = -1;    // the newest event this writer knows of; -1: none read yet
    bool stale_ = true;
    std::size_t write_at_;
    std::size_t since_write_ = 0;
    bool written_ = false; // by the current transaction
};

} // namespace mailgate::core::storage::sqlite
