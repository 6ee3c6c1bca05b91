#pragma once

// What one transaction writes, gathered from the jobs of a group so that the transaction takes
// two pipelined round trips whatever the number of jobs: first the events (one multi-row
// insert), the queue's statements and bulk suppression puts, then the suppression changes
// (a statement each: a suppress merges with the entry under its row's lock, a count rule's hit
// and the suppression it may make are one statement) and the campaign counters of the events
// that turned out to be new.
//
// Every node takes row locks in the same order (events by key hash; per address, its rule
// counters by rule, then its suppression entries; counters by campaign and name), so
// transactions of two nodes that write the same rows wait for each other instead of
// deadlocking.

#include "core/events/event.hpp"
#include "core/storage/postgres/connection.hpp"
#include "core/storage/postgres/event_writes.hpp"
#include "core/storage/prepared_event.hpp"
#include "core/storage/store.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace mailgate::core::storage::postgres {

class write_set {
public:
    /// Per event of the batch: true when it was stored, false for a duplicate (of an event
    /// stored before, or earlier in this set).
    using stored_handler = std::function<void(const std::vector<bool>& stored)>;
    using result_handler = std::function<void(const result&)>;

    /// Events, each with its suppression change and campaign counters when it is new. Both
    /// vectors outlive run().
    void add_events(const std::vector<events::routed_event>& batch,
                    const std::vector<prepared_event>& prepared, stored_handler stored = {});
    /// A statement of the first round trip; `sql` outlives run().
    void add_statement(std::string_view sql, params values, result_handler done = {});
    /// Removes `change`'s entries (kind remove), telling `change.removed` how many there were.
    void remove_suppression(suppression_change change);

    /// Writes everything between `begin` and `end` (BEGIN and COMMIT, or a savepoint's),
    /// calling the handlers as the results come. Throws postgres_error: then nothing of it is
    /// applied, whatever the handlers were told.
    void run(connection& db, std::string_view begin, std::string_view end);

private:
    struct batch {
        const std::vector<events::routed_event>* events;
        const std::vector<prepared_event>* prepared;
        stored_handler stored;
        std::size_t first_change; ///< where its suppression changes go among changes_
    };

    std::vector<statement> first_round(std::string_view begin);
    void take_first_round(const std::vector<result>& results);
    /// Tells the batches which events were new, and adds their suppression changes (at each
    /// batch's place) and counters.
    void take_stored(const result& inserted);
    std::vector<statement> second_round(std::string_view begin, std::string_view end);

    std::vector<batch> batches_;
    std::vector<event_ref> events_;
    std::vector<statement> statements_;
    std::vector<result_handler> statement_handlers_;
    /// In the order the jobs asked; a batch's changes join at its place once known.
    std::vector<suppression_change> changes_;
    counter_deltas counters_;
    std::vector<result_handler> second_round_handlers_;
};

} // namespace mailgate::core::storage::postgres
