#pragma once

// The statements that write events and what follows from them: one multi-row insert for the
// events of a whole transaction, the suppression changes in address order, and the campaign
// counters added up per (campaign, counter).

#include "core/events/event.hpp"
#include "core/storage/postgres/connection.hpp"
#include "core/storage/prepared_event.hpp"
#include "core/storage/store.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace mailgate::core::storage::postgres {

struct event_ref {
    const events::routed_event* routed;
    const prepared_event* prepared;
};

/// Inserts `events` in key order, each one unless its key is stored (ON CONFLICT DO NOTHING),
/// with ids in the order given; an event that suppresses goes under key_after_lifts of its
/// address. `events` outlives the statement.
statement insert_events(std::span<const event_ref> events);
/// Per event of an insert_events statement of `count`: whether it was stored.
std::vector<bool> stored_events(const result& inserted, std::size_t count);

struct suppression_change {
    enum class kind { suppress, lift, count, remove };
    kind what = kind::suppress;
    /// suppress and count: the entry made (count: once the threshold is reached). lift and
    /// remove: the address, the stream (remove: empty for every stream), the reason (lift), and
    /// the source, note and time (created_at) the history records.
    suppression entry;
    /// count: the rule, the event's time, its window and threshold.
    std::string rule;
    int64_t hit = 0;
    int64_t window = 0;
    int64_t threshold = 0;
    /// For remove: told how many entries there were.
    std::function<void(std::size_t removed)> removed;
};

/// The change a new event makes to the suppression list, if any.
std::optional<suppression_change> change_of(const events::routed_event& routed);

/// One statement per change, ordered by address and, for one address, its count changes first
/// (by rule), then the others as given: every node locks an address's counters before its
/// entries. Each comes with what takes its result.
std::vector<std::pair<statement, std::function<void(const result&)>>>
suppression_statements(std::vector<suppression_change> changes);

/// Replaces the entries (the last of each (email, stream) when one comes twice) and records them
/// in the history: one statement, all or none. `entries` outlives nothing: the statement holds
/// its own copies.
statement put_suppressions(const std::vector<suppression>& entries);

/// (campaign_id, counter) -> how much to add.
using counter_deltas = std::map<std::pair<std::string, std::string>, int64_t>;

/// Adds what a new event counts for its campaign, if it has one.
void count(const events::routed_event& routed, counter_deltas& deltas);
/// One statement adding every delta, in key order. `deltas` outlives it.
statement add_counters(const counter_deltas& deltas);

} // namespace mailgate::core::storage::postgres
