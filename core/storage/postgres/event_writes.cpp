#include "core/storage/postgres/event_writes.hpp"

#include "core/encoding/hex.hpp"
#include "core/storage/campaign_counters.hpp"
#include "core/storage/postgres/array_literal.hpp"

#include <algorithm>
#include <array>

namespace mailgate::core::storage::postgres {
namespace {

// The ids are drawn in the order given (a materialized CTE evaluates nextval row by row as
// unnest produces them), the rows inserted in key order: so ids follow the callbacks while
// every node takes the unique index's locks in one order. Within the statement the first row
// of a key wins, as in SQLite. An event that suppresses is stored under key_after_lifts of its
// address's lifts, counted as the statement starts. Answers the positions (from 1) it stored.
constexpr std::string_view insert_events_sql = R"sql(
WITH input AS MATERIALIZED (
    SELECT nextval('events_id_seq') AS id, e.*
    FROM unnest($1::text[], $2::text[], $3::text[], $4::boolean[], $5::text[], $6::bigint[],
                $7::bigint[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[],
                $13::text[], $14::text[], $15::text[], $16::text[], $17::bigint[], $18::text[],
                $19::boolean[], $20::text[], $21::integer[], $22::text[], $23::text[])
        WITH ORDINALITY AS e(provider, driver, kind, permanent, email, occurred_at, received_at,
                             meta, message_id, campaign_id, profile, description,
                             provider_event_id, event_key, detail_json, system_events,
                             email_hash, key_hex, suppresses, reason, smtp_code, status,
                             remote_mta, ord)),
keyed AS (
    SELECT input.*,
           CASE WHEN l.lifts IS NULL THEN decode(key_hex, 'hex')
                ELSE substring(sha256(decode(key_hex, 'hex') || int8send(l.lifts)) FROM 1 FOR 16)
           END AS key_hash
    FROM input LEFT JOIN address_lifts l ON input.suppresses AND l.email = input.email),
stored AS (
    INSERT INTO events (id, provider, driver, kind, permanent, email, occurred_at, received_at,
                        meta, message_id, campaign_id, profile, description, provider_event_id,
                        event_key, detail_json, system_events, email_hash, key_hash, reason,
                        smtp_code, status, remote_mta)
    SELECT id, provider, driver, kind, permanent, email, occurred_at, received_at, meta,
           message_id, campaign_id, profile, description, provider_event_id, event_key,
           detail_json, system_events, email_hash, key_hash, reason, smtp_code, status,
           remote_mta
    FROM keyed ORDER BY key_hash, ord
    ON CONFLICT (key_hash) DO NOTHING
    RETURNING id)
SELECT ord FROM input JOIN stored USING (id))sql";

// First reason stays: a later spam report does not hide the hard bounce.
constexpr std::string_view suppress_sql = R"sql(
INSERT INTO suppressions (email, reason, provider, created_at)
SELECT email, reason, provider, created_at
FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[])
    WITH ORDINALITY AS s(email, reason, provider, created_at, ord)
ORDER BY ord
ON CONFLICT (email) DO NOTHING)sql";

// Only what was suppressed for that reason: a resubscribe never lifts a hard bounce. A lift is
// counted (address_lifts, see key_after_lifts).
constexpr std::string_view lift_sql = R"sql(
WITH lifted AS (DELETE FROM suppressions WHERE email = $1 AND reason = $2 RETURNING email)
INSERT INTO address_lifts (email, lifts) SELECT email, 1 FROM lifted
ON CONFLICT (email) DO UPDATE SET lifts = address_lifts.lifts + 1)sql";

constexpr std::string_view put_sql =
    "INSERT INTO suppressions (email, reason, provider, created_at) VALUES ($1, $2, $3, $4) "
    "ON CONFLICT (email) DO UPDATE SET reason = excluded.reason, provider = excluded.provider, "
    "created_at = excluded.created_at";

// As lift_sql, whatever the reason; changes a row when there was an entry.
constexpr std::string_view remove_sql = R"sql(
WITH lifted AS (DELETE FROM suppressions WHERE email = $1 RETURNING email)
INSERT INTO address_lifts (email, lifts) SELECT email, 1 FROM lifted
ON CONFLICT (email) DO UPDATE SET lifts = address_lifts.lifts + 1)sql";

// Exact under concurrent writers: the conflicting row is locked and incremented, never
// read and rewritten.
constexpr std::string_view add_counters_sql = R"sql(
INSERT INTO campaign_counters (campaign_id, counter, count)
SELECT campaign_id, counter, delta
FROM unnest($1::text[], $2::text[], $3::bigint[]) WITH ORDINALITY AS c(campaign_id, counter,
                                                                       delta, ord)
ORDER BY ord
ON CONFLICT (campaign_id, counter) DO UPDATE SET count = campaign_counters.count + excluded.count
)sql";

using change_kind = suppression_change::kind;
using statement_with_handler = std::pair<statement, std::function<void(const result&)>>;

// One array per column, filled row by row, in insert_events_sql's parameter order.
struct event_columns {
    std::array<array_literal, 23> columns;

    void add(const event_ref& e)
    {
        const auto& ev = e.routed->ev;
        std::size_t i = 0;
        columns[i++].add(ev.provider);
        columns[i++].add(ev.driver);
        columns[i++].add(events::to_string(ev.kind));
        columns[i++].add_boolean(ev.permanent);
        columns[i++].add(ev.email);
        columns[i++].add(ev.occurred_at_ms);
        columns[i++].add(ev.received_at_ms);
        columns[i++].add(ev.meta);
        columns[i++].add(ev.attributed.message_id);
        columns[i++].add(ev.attributed.campaign_id);
        columns[i++].add(ev.attributed.profile);
        columns[i++].add(ev.description);
        columns[i++].add(ev.provider_event_id);
        columns[i++].add(ev.event_key);
        columns[i++].add(ev.detail_json);
        columns[i++].add(e.prepared->system_events_json);
        columns[i++].add(e.prepared->email_hash);
        columns[i++].add(encoding::hex(e.prepared->key));
        columns[i++].add_boolean(e.routed->suppression == events::suppression_change::suppress);
        columns[i++].add(ev.reason ? reasons::to_string(*ev.reason) : std::string_view());
        columns[i++].add(int64_t{ev.smtp_code});
        columns[i++].add(ev.status);
        columns[i].add(ev.remote_mta);
    }
};

statement suppress_all(std::span<const suppression_change> run)
{
    array_literal emails;
    array_literal reasons;
    array_literal providers;
    array_literal times;
    for (const auto& c : run) {
        emails.add(c.email);
        reasons.add(c.reason);
        providers.add(c.provider);
        times.add(c.created_at);
    }
    params values;
    values.text(emails.str()).text(reasons.str()).text(providers.str()).text(times.str());
    return {suppress_sql, std::move(values)};
}

// Suppress changes go in runs (suppress_all); these are the others.
statement_with_handler single_change(const suppression_change& c)
{
    if (c.what == change_kind::lift) {
        return {{lift_sql, params().text(c.email).text(c.reason)}, {}};
    }
    if (c.what == change_kind::put) {
        return {
            {put_sql, params().text(c.email).text(c.reason).text(c.provider).integer(c.created_at)},
            {}};
    }
    return {{remove_sql, params().text(c.email)},
            [removed = c.removed](const result& r) { removed(r.changed() > 0); }};
}

} // namespace

statement insert_events(std::span<const event_ref> events)
{
    event_columns rows;
    for (const auto& e : events) {
        rows.add(e);
    }
    params values;
    for (const auto& column : rows.columns) {
        values.text(column.str());
    }
    return {insert_events_sql, std::move(values)};
}

std::vector<bool> stored_events(const result& inserted, std::size_t count)
{
    std::vector<bool> out(count);
    for (int row = 0; row < inserted.rows(); ++row) {
        out.at(static_cast<std::size_t>(inserted.integer(row, 0) - 1)) = true;
    }
    return out;
}

std::optional<suppression_change> change_of(const events::routed_event& routed)
{
    const auto& ev = routed.ev;
    switch (routed.suppression) {
    case events::suppression_change::suppress:
        return suppression_change{change_kind::suppress,     ev.email,
                                  routed.suppression_reason, ev.provider,
                                  ev.received_at_ms,         {}};
    case events::suppression_change::lift:
        return suppression_change{
            change_kind::lift, ev.email, routed.suppression_reason, "", 0, {}};
    case events::suppression_change::none:
        break;
    }
    return std::nullopt;
}

std::vector<statement_with_handler> suppression_statements(std::vector<suppression_change> changes)
{
    std::stable_sort(changes.begin(), changes.end(),
                     [](const auto& a, const auto& b) { return a.email < b.email; });
    std::vector<statement_with_handler> out;
    for (auto it = changes.begin(); it != changes.end();) {
        auto run_end = std::find_if(it, changes.end(),
                                    [](const auto& c) { return c.what != change_kind::suppress; });
        if (run_end != it) {
            out.push_back({suppress_all({it, run_end}), {}});
            it = run_end;
        } else {
            out.push_back(single_change(*it++));
        }
    }
    return out;
}

void count(const events::routed_event& routed, counter_deltas& deltas)
{
    for (auto& counter : counters_of(routed)) {
        ++deltas[{routed.ev.attributed.campaign_id, std::move(counter)}];
    }
}

statement add_counters(const counter_deltas& deltas)
{
    array_literal campaigns;
    array_literal counters;
    array_literal amounts;
    for (const auto& [key, delta] : deltas) {
        campaigns.add(key.first);
        counters.add(key.second);
        amounts.add(delta);
    }
    params values;
    values.text(campaigns.str()).text(counters.str()).text(amounts.str());
    return {add_counters_sql, std::move(values)};
}

} // namespace mailgate::core::storage::postgres
