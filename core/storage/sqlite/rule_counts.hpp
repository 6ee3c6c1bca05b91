#pragma once

// Count rules' hits per address (docs/suppression.md) are the events themselves: each counted
// event keeps its rule and window in its row (events.count_rule, count_window), and the hits
// for an address are its counted events, found through the address index (event_emails). Kept
// in a table of their own, each hit dirtied a random leaf of it, which cost the writer as much
// as the event did. The writer holds the hits of the events after the index mark in memory (the
// index does not cover them yet), and a filter of the addresses ever counted, so that a first
// hit, the usual case, looks nothing up; counted_addresses lists them, a row of hashes with each
// index write (appended: a table keyed by address cost the writer a random leaf an address).

#include "core/storage/sqlite/address_filter.hpp"
#include "core/storage/sqlite/connection.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mailgate::core::storage::sqlite {

/// Used by the writer's thread only, inside its transactions.
class rule_counts {
public:
    /// The hits of `email` (whose email_hash is `hash`) for `rule` with the hit at `at` added,
    /// oldest first, without those older than the newest less `window`. Valid until the next
    /// call. Throws sqlite_error.
    const std::vector<int64_t>& add(connection& db, const std::string& email, int64_t hash,
                                    const std::string& rule, int64_t at, int64_t window);
    /// The email_hash of each address counted since the mark, for counted_addresses.
    std::vector<int64_t> addresses() const;
    /// Once the events after the mark are indexed, or when they are read again.
    void clear() noexcept;
    /// Another connection may have counted addresses: the filter is read again.
    void forget_addresses() noexcept { filter_.forget(); }

private:
    // One per (address, rule) counted since the mark. Many thousands come and go with each index
    // write: flat, without an allocation for the address or the rule.
    struct counted {
        int64_t hash = 0;
        std::size_t email_at = 0; // in text_
        std::size_t email_size = 0;
        std::size_t rule = 0; // in rules_
        std::vector<int64_t> hits;
    };

    counted& find_or_add(const std::string& email, int64_t hash, const std::string& rule,
                         bool& added);
    std::size_t rule_index(const std::string& rule);
    void grow();

    std::vector<counted> counted_;
    std::vector<uint64_t> slots_; // by hash: its high half, and 1 + the index in counted_; 0: empty
    std::string text_;            // the addresses of counted_
    std::vector<std::string> rules_;
    address_filter filter_{std::size_t{1} << 20}; // counted_addresses, and those since the mark
};

} // namespace mailgate::core::storage::sqlite
