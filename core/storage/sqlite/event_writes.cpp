#include "core/storage/sqlite/event_writes.hpp"

#include "core/storage/campaign_counters.hpp"
#include "core/storage/suppression_policy.hpp"

#include <algorithm>
#include <optional>
#include <vector>

namespace mailgate::core::storage::sqlite {
namespace {

constexpr std::string_view insert_event_sql =
    "INSERT INTO events (provider, driver, kind, permanent, email, occurred_at, received_at, "
    "meta, message_id, campaign_id, profile, description, provider_event_id, event_key, "
    "detail_json, system_events, key_hash, reason, smtp_code, status, remote_mta, stream, "
    "count_rule, count_window) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

bool counted(const events::routed_event& routed)
{
    return routed.suppression == events::suppression_change::count;
}

/// The new row's id.
int64_t insert_event(connection& db, const events::routed_event& routed,
                     const prepared_event& prepared, const key_hash& key)
{
    const auto& ev = routed.ev;
    db.prepare(insert_event_sql)
        .bind(ev.provider)
        .bind(ev.driver)
        .bind(events::to_string(ev.kind))
        .bind(int64_t{ev.permanent ? 1 : 0})
        .bind(ev.email)
        .bind(ev.occurred_at_ms)
        .bind(ev.received_at_ms)
        .bind(ev.meta)
        .bind(ev.attributed.message_id)
        .bind(ev.attributed.campaign_id)
        .bind(ev.attributed.profile)
        .bind(ev.description)
        .bind(ev.provider_event_id)
        .bind(ev.event_key)
        .bind(ev.detail_json)
        .bind(prepared.system_events_json)
        .bind_blob(bytes_of(key))
        .bind(ev.reason ? reasons::to_string(*ev.reason) : std::string_view())
        .bind(int64_t{ev.smtp_code})
        .bind(ev.status)
        .bind(ev.remote_mta)
        .bind(ev.attributed.stream)
        .bind(counted(routed) ? std::string_view(routed.rule) : std::string_view())
        .bind(counted(routed) ? routed.count_window_ms : int64_t{0})
        .run();
    return db.last_insert_rowid();
}

void count_lift(connection& db, event_indexes& indexes, const std::string& email)
{
    db.prepare("INSERT INTO address_lifts (email, lifts) VALUES (?, 1) "
               "ON CONFLICT (email) DO UPDATE SET lifts = lifts + 1")
        .bind(email)
        .run();
    indexes.lifted(db, email_hash(email));
}

// The key the event is stored under: see key_after_lifts. Events that may suppress count lifts,
// so an opt-out repeated after a lift is a new event.
key_hash stored_key(connection& db, event_indexes& indexes, const events::routed_event& routed,
                    const prepared_event& prepared)
{
    const auto& key = prepared.key;
    if ((routed.suppression != events::suppression_change::suppress && !counted(routed)) ||
        !indexes.may_be_lifted(db, prepared.email_hash)) {
        return key;
    }
    auto q = db.prepare("SELECT lifts FROM address_lifts WHERE email = ?");
    q.bind(routed.ev.email);
    return q.step() ? key_after_lifts(key, q.integer(0)) : key;
}

void record_change(connection& db, const suppression_record& r)
{
    db.prepare("INSERT INTO suppression_changes (email, stream, action, reason, source, note, at, "
               "expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(r.email)
        .bind(r.stream)
        .bind(r.action)
        .bind(r.reason)
        .bind(r.source)
        .bind(r.note)
        .bind(r.at)
        .bind(r.expires_at)
        .run();
}

suppression_record suppress_record(const suppression& entry)
{
    return {entry.email,  entry.stream, "suppress",       entry.reason,
            entry.source, entry.note,   entry.created_at, entry.expires_at};
}

void write_entry(connection& db, const suppression& entry)
{
    db.prepare("INSERT OR REPLACE INTO suppressions (email, stream, reason, provider, created_at, "
               "expires_at, source, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(entry.email)
        .bind(entry.stream)
        .bind(entry.reason)
        .bind(entry.provider)
        .bind(entry.created_at)
        .bind(entry.expires_at)
        .bind(entry.source)
        .bind(entry.note)
        .run();
}

std::optional<suppression> entry_at(connection& db, const std::string& email,
                                    const std::string& stream)
{
    auto q = db.prepare("SELECT reason, provider, created_at, expires_at, source, note "
                        "FROM suppressions WHERE email = ? AND stream = ?");
    if (!q.bind(email).bind(stream).step()) {
        return std::nullopt;
    }
    return suppression{email,  q.text(0),    q.text(1), q.integer(2),
                       stream, q.integer(3), q.text(4), q.text(5)};
}

// The first reason stays (a later spam report does not hide the hard bounce) unless the entry
// lapsed; a longer-lasting suppress extends it. Only a change is recorded.
void suppress(connection& db, const suppression& incoming)
{
    const auto existing = entry_at(db, incoming.email, incoming.stream);
    if (!existing) {
        write_entry(db, incoming);
        record_change(db, suppress_record(incoming));
        return;
    }
    switch (merge(*existing, incoming)) {
    case merge_outcome::keep:
        return;
    case merge_outcome::replace:
        write_entry(db, incoming);
        record_change(db, suppress_record(incoming));
        return;
    case merge_outcome::extend: {
        db.prepare("UPDATE suppressions SET expires_at = ? WHERE email = ? AND stream = ?")
            .bind(incoming.expires_at)
            .bind(incoming.email)
            .bind(incoming.stream)
            .run();
        auto record = suppress_record(incoming);
        record.reason = existing->reason;
        record_change(db, record);
        return;
    }
    }
}

struct removed_entry {
    std::string stream;
    std::string reason;
};

// Collected before anything else runs on the connection.
std::vector<removed_entry> take_removed(query& q)
{
    std::vector<removed_entry> out;
    while (q.step()) {
        out.push_back({q.text(0), q.text(1)});
    }
    return out;
}

std::size_t record_lifts(connection& db, event_indexes& indexes, const std::string& email,
                         const std::vector<removed_entry>& removed, const std::string& source,
                         const std::string& note, int64_t at)
{
    for (const auto& r : removed) {
        record_change(db, {email, r.stream, "lift", r.reason, source, note, at, 0});
    }
    if (!removed.empty()) {
        count_lift(db, indexes, email);
    }
    return removed.size();
}

// Only what was suppressed for that reason, in that stream or every stream: a resubscribe
// never lifts a hard bounce.
void lift(connection& db, event_indexes& indexes, const events::routed_event& routed)
{
    const auto& ev = routed.ev;
    auto q = db.prepare("DELETE FROM suppressions WHERE email = ? AND reason = ? "
                        "AND stream IN (?, '*') RETURNING stream, reason");
    q.bind(ev.email).bind(routed.suppression_reason).bind(routed.suppression_stream);
    const auto removed = take_removed(q);
    record_lifts(db, indexes, ev.email, removed, rule_source(routed, "resubscribe"), ev.description,
                 ev.received_at_ms);
}

void count_hit(connection& db, event_indexes& indexes, const events::routed_event& routed,
               const prepared_event& prepared)
{
    const auto& ev = routed.ev;
    const auto& hits = indexes.counted(db, ev.email, prepared.email_hash, routed.rule,
                                       ev.occurred_at_ms, routed.count_window_ms);
    if (hits_within(hits, ev.occurred_at_ms, routed.count_window_ms) >=
        static_cast<std::size_t>(std::max<int64_t>(routed.count_threshold, 1))) {
        suppress(db, entry_of(routed));
    }
}

void change_suppression(connection& db, event_indexes& indexes, const events::routed_event& routed,
                        const prepared_event& prepared)
{
    switch (routed.suppression) {
    case events::suppression_change::none:
        return;
    case events::suppression_change::suppress:
        suppress(db, entry_of(routed));
        return;
    case events::suppression_change::lift:
        lift(db, indexes, routed);
        return;
    case events::suppression_change::count:
        count_hit(db, indexes, routed, prepared);
        return;
    }
}

void count(connection& db, const std::string& campaign_id, const std::string& counter)
{
    db.prepare("INSERT INTO campaign_counters (campaign_id, counter, count) VALUES (?, ?, 1) "
               "ON CONFLICT (campaign_id, counter) "
               "DO UPDATE SET count = campaign_counters.count + 1")
        .bind(campaign_id)
        .bind(counter)
        .run();
}

void count_for_campaign(connection& db, const events::routed_event& routed)
{
    for (const auto& counter : counters_of(routed)) {
        count(db, routed.ev.attributed.campaign_id, counter);
    }
}

} // namespace

bool apply_event(connection& db, event_indexes& indexes, const events::routed_event& routed,
                 const prepared_event& prepared)
{
    // By an earlier transaction, an earlier job of this group, or earlier in this batch.
    const auto key = stored_key(db, indexes, routed, prepared);
    if (indexes.contains(db, key)) {
        return false;
    }
    indexes.stored(key, insert_event(db, routed, prepared, key));
    change_suppression(db, indexes, routed, prepared);
    count_for_campaign(db, routed);
    return true;
}

void put_suppression(connection& db, const suppression& entry)
{
    write_entry(db, entry);
    record_change(db, suppress_record(entry));
}

std::size_t remove_suppression(connection& db, event_indexes& indexes, const removal& what)
{
    auto q = db.prepare(what.stream.empty()
                            ? "DELETE FROM suppressions WHERE email = ? RETURNING stream, reason"
                            : "DELETE FROM suppressions WHERE email = ? AND stream = ? "
                              "RETURNING stream, reason");
    q.bind(what.email);
    if (!what.stream.empty()) {
        q.bind(what.stream);
    }
    const auto removed = take_removed(q);
    return record_lifts(db, indexes, what.email, removed, what.source, what.note, what.at);
}

} // namespace mailgate::core::storage::sqlite
