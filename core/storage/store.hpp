#pragma once

// The storage interface the core uses. SQLite (embedded default) and PostgreSQL (several
// nodes, one database) implement it, and both pass the same contract tests.

#include "core/events/event.hpp"
#include "core/storage/mailbox_cursor.hpp"
#include "core/storage/queued_message.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace mailgate::core::storage {

struct commit_result {
    std::size_t stored = 0;     ///< events applied
    std::size_t duplicates = 0; ///< events whose (provider, event_key) was already stored
};

/// Called once, from a storage thread, after the batch is durable (or failed: then nothing of
/// it was applied). Must not block.
using commit_handler = std::function<void(std::error_code, commit_result)>;
/// Called once, from a storage thread, when a queue write is durable (or failed: then nothing
/// of it was applied). Must not block.
using done_handler = std::function<void(std::error_code)>;
using claim_handler = std::function<void(std::error_code, std::vector<queued_message>)>;

/// One entry of the suppression list: no mail to `email` in `stream` while it holds.
struct suppression {
    /// The canonical address, or "*@domain" for every address of the domain (manual only).
    std::string email;
    /// hard_bounce, spam, unsubscribed, dropped, soft_bounce (rules); manual or the operator's
    /// own word (the API, imports).
    std::string reason;
    std::string provider;                    ///< who reported it, or empty (manual, import)
    int64_t created_at = 0;                  ///< Unix milliseconds
    std::string stream{events::all_streams}; ///< the stream suppressed, or "*": every stream
    int64_t expires_at = 0; ///< Unix milliseconds when it lapses by itself; 0: never
    /// Who or what made it: "rule:<name>" (the policy), "admin:<token name>", "import:<token
    /// name>".
    std::string source;
    std::string note; ///< why, in the words of whoever made it; may be empty
};

/// One change in an address's suppression history, oldest first.
struct suppression_record {
    std::string email;
    std::string stream;
    std::string action; ///< "suppress" or "lift"
    std::string reason;
    std::string source; ///< as suppression::source
    std::string note;
    int64_t at = 0;         ///< Unix milliseconds
    int64_t expires_at = 0; ///< suppress: when it lapses; 0: never
};

/// What a count rule keeps for one address: the times (occurred_at, Unix ms, oldest first) of
/// the events it counted that are still within its window of the newest.
/// The messages of one provider in one state that is not final (queued, sending, deferred).
struct queue_row {
    std::string provider;
    std::string state;
    int64_t messages = 0;
    int64_t oldest_created_at = 0; ///< Unix ms
    int64_t next_attempt_at = 0;   ///< the soonest, Unix ms (sending: the soonest lease's end)
};

struct rule_counter {
    std::string rule;
    std::vector<int64_t> hits;
};

struct stored_event {
    int64_t id = 0; ///< store-assigned, increasing
    events::gateway_event ev;
    std::vector<events::system_event> system_events;
};

/// The most rows one page of events or suppressions holds, whatever the filter asks.
inline constexpr std::size_t max_page_size = 1000;

struct event_filter {
    std::optional<std::string> email;
    std::optional<std::string> campaign_id;
    std::vector<events::event_kind> kinds; ///< any of them; none: every kind
    std::vector<reasons::reason> reasons;  ///< any of them; none: with or without a reason
    std::optional<std::string> provider;
    std::optional<int64_t> since; ///< received_at >= since (Unix ms)
    int64_t after_id = 0;         ///< paging: events with id > after_id
    std::size_t limit = 100;
};

struct suppression_filter {
    std::optional<std::string> reason;
    std::optional<std::string> stream;
    /// paging: entries after (after_email, after_stream) in (email, stream) order
    std::string after_email;
    std::string after_stream;
    std::size_t limit = 100;
};

struct campaign_report {
    std::string campaign_id;
    std::map<std::string, int64_t> by_kind;         ///< event kind -> count
    std::map<std::string, int64_t> by_reason;       ///< reason (docs/events.md) -> count
    std::map<std::string, int64_t> by_system_event; ///< "Notification Failed" -> count
};

class store {
public:
    virtual ~store() = default;

    /// Applies a batch: each event with its system events, suppression change and campaign
    /// counters, atomically and at most once per (provider, event_key). Batches submitted
    /// concurrently are committed together (group commit); `done` runs once they are durable.
    /// THREAD: any.
    virtual void apply(std::vector<events::routed_event> batch, commit_handler done) = 0;

    /// The entry that stops mail to `email` in `stream` at `now` (Unix ms): the address's own
    /// for that stream or for "*", else its domain's ("*@domain"); entries that expired at or
    /// before `now` do not count. Nothing when it may be mailed.
    virtual std::optional<suppression> find_suppression(const std::string& email,
                                                        std::string_view stream, int64_t now) = 0;
    /// Every entry of the address and of its domain, expired ones too, in stream order.
    virtual std::vector<suppression> address_suppressions(const std::string& email) = 0;
    /// The address's suppression history, oldest first, at most `limit` of the newest changes.
    virtual std::vector<suppression_record> suppression_history(const std::string& email,
                                                                std::size_t limit) = 0;
    /// The address's counters, one per count rule that counted an event of it.
    virtual std::vector<rule_counter> rule_counters(const std::string& email) = 0;
    /// In (email, stream) order; expired entries too (their expires_at says so).
    virtual std::vector<suppression> list_suppressions(const suppression_filter& filter) = 0;
    /// Replaces any entry for (email, stream) and records the change in the history, durably
    /// when it returns.
    virtual void put_suppression(const suppression& s) = 0;
    /// put_suppression for each, in one transaction: all or none. Durable when it returns.
    virtual void put_suppressions(const std::vector<suppression>& entries) = 0;
    /// Removes the address's entry for `stream`, or every entry of it when `stream` is empty,
    /// recording each lift with `source` and `note`. How many there were.
    virtual std::size_t remove_suppression(const std::string& email, std::string_view stream,
                                           const std::string& source, const std::string& note) = 0;

    /// Where the IMAP poller of `mailbox` (its configured name) stopped, or nothing yet.
    virtual std::optional<mailbox_cursor> find_mailbox_cursor(const std::string& mailbox) = 0;
    /// Replaces the mailbox's cursor. Durable when it returns; blocks: not on an I/O thread that
    /// serves others.
    virtual void put_mailbox_cursor(const std::string& mailbox, const mailbox_cursor& c) = 0;

    virtual std::vector<stored_event> list_events(const event_filter& filter) = 0;
    virtual campaign_report report(const std::string& campaign_id) = 0;

    // The outbound queue.

    /// Stores accepted messages: queued and due at once or, those in state `sending`, leased
    /// to their `lease_owner` until `next_attempt_at` for their first attempt (`attempts`), so
    /// that the node which accepted them delivers them without claiming them. `done` runs once
    /// they are durable. THREAD: any.
    virtual void enqueue(std::vector<queued_message> messages, done_handler done) = 0;
    /// Takes up to `max` messages due at `now` (queued or deferred with next_attempt_at <= now,
    /// or sending with a lease that ran out) for `owner`: marks them sending with one more
    /// attempt, leased until `lease_until`, durably, and hands them over with their content.
    /// THREAD: any.
    virtual void claim(const std::string& owner, std::size_t max, int64_t now, int64_t lease_until,
                       claim_handler done) = 0;
    /// Makes every message `owner` has leased due at once: a node that restarts resumes what
    /// it was sending when it stopped. Durable when it returns.
    virtual std::size_t release(const std::string& owner) = 0;
    /// Records attempts: each outcome with its events (applied as `apply` does), atomically.
    /// THREAD: any.
    virtual void record(std::vector<delivery_outcome> outcomes, done_handler done) = 0;
    /// A message without its content, or nothing.
    virtual std::optional<queued_message> find_message(const std::string& id) = 0;
    /// Messages not yet in a final state (queued, sending, deferred).
    virtual int64_t queued_count() = 0;
    /// Those messages per provider and state, by provider then state.
    virtual std::vector<queue_row> queue_summary() = 0;

    /// Waits until every batch submitted so far is committed. Called at shutdown.
    virtual void flush() = 0;

    /// Batches submitted and not yet committed (the metrics' queue depth). THREAD: any.
    virtual std::size_t pending() const = 0;

    /// Why writes are failing, while the last transaction failed and none committed since (a
    /// full disk, a read-only database), or nothing. Cheap, never blocks. THREAD: any.
    virtual std::optional<std::string> write_failure() const = 0;
};

} // namespace mailgate::core::storage
