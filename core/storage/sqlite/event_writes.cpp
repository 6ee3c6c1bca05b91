#include "core/storage/sqlite/event_writes.hpp"

#include "core/storage/campaign_counters.hpp"

namespace mailgate::core::storage::sqlite {
namespace {

constexpr std::string_view insert_event_sql =
    "INSERT INTO events (provider, driver, kind, permanent, email, occurred_at, received_at, "
    "meta, message_id, campaign_id, profile, description, provider_event_id, event_key, "
    "detail_json, system_events, key_hash, reason, smtp_code, status, remote_mta) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

/// The new row's id.
int64_t insert_event(connection& db, const events::gateway_event& ev,
                     const prepared_event& prepared, const key_hash& key)
{
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
        .run();
    return db.last_insert_rowid();
}

void count_lift(connection& db, const std::string& email)
{
    db.prepare("INSERT INTO address_lifts (email, lifts) VALUES (?, 1) "
               "ON CONFLICT (email) DO UPDATE SET lifts = lifts + 1")
        .bind(email)
        .run();
}

// The key the event is stored under: see key_after_lifts.
key_hash stored_key(connection& db, const events::routed_event& routed, const key_hash& key)
{
    if (routed.suppression != events::suppression_change::suppress) {
        return key;
    }
    auto q = db.prepare("SELECT lifts FROM address_lifts WHERE email = ?");
    q.bind(routed.ev.email);
    return q.step() ? key_after_lifts(key, q.integer(0)) : key;
}

void change_suppression(connection& db, const events::routed_event& routed)
{
    const auto& ev = routed.ev;
    switch (routed.suppression) {
    case events::suppression_change::none:
        return;
    case events::suppression_change::suppress:
        // The first reason stays: a later spam report does not hide the hard bounce.
        db.prepare("INSERT INTO suppressions (email, reason, provider, created_at) "
                   "VALUES (?, ?, ?, ?) ON CONFLICT (email) DO NOTHING")
            .bind(ev.email)
            .bind(routed.suppression_reason)
            .bind(ev.provider)
            .bind(ev.received_at_ms)
            .run();
        return;
    case events::suppression_change::lift:
        // Only what was suppressed for that reason: a resubscribe never lifts a hard bounce.
        if (db.prepare("DELETE FROM suppressions WHERE email = ? AND reason = ? RETURNING email")
                .bind(ev.email)
                .bind(routed.suppression_reason)
                .step()) {
            count_lift(db, ev.email);
        }
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
    const auto key = stored_key(db, routed, prepared.key);
    if (indexes.contains(db, key)) {
        return false;
    }
    indexes.stored(key, insert_event(db, routed.ev, prepared, key));
    change_suppression(db, routed);
    count_for_campaign(db, routed);
    return true;
}

bool remove_suppression(connection& db, const std::string& email)
{
    if (!db.prepare("DELETE FROM suppressions WHERE email = ? RETURNING email")
             .bind(email)
             .step()) {
        return false;
    }
    count_lift(db, email);
    return true;
}

} // namespace mailgate::core::storage::sqlite
