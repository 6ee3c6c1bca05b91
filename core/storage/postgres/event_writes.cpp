#include "core/storage/postgres/event_writes.hpp"

#include "core/encoding/hex.hpp"
#include "core/storage/campaign_counters.hpp"
#include "core/storage/postgres/array_literal.hpp"
#include "core/storage/suppression_policy.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <tuple>

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
                $19::boolean[], $20::text[], $21::integer[], $22::text[], $23::text[],
                $24::text[])
        WITH ORDINALITY AS e(provider, driver, kind, permanent, email, occurred_at, received_at,
                             meta, message_id, campaign_id, profile, description,
                             provider_event_id, event_key, detail_json, system_events,
                             email_hash, key_hex, suppresses, reason, smtp_code, status,
                             remote_mta, stream, ord)),
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
                        smtp_code, status, remote_mta, stream)
    SELECT id, provider, driver, kind, permanent, email, occurred_at, received_at, meta,
           message_id, campaign_id, profile, description, provider_event_id, event_key,
           detail_json, system_events, email_hash, key_hash, reason, smtp_code, status,
           remote_mta, stream
    FROM keyed ORDER BY key_hash, ord
    ON CONFLICT (key_hash) DO NOTHING
    RETURNING id)
SELECT ord FROM input JOIN stored USING (id))sql";

// Whether the entry already there had lapsed when the new one came.
constexpr std::string_view expired = "(s.expires_at <> 0 AND s.expires_at <= excluded.created_at)";

// The entry ($1 to $8, selected `from` a CTE or nothing) meets the one already there: the first
// reason stays (a later spam report does not hide the hard bounce) unless that one lapsed
// (replaced whole) or the new one lasts longer (its expiry only). The row's lock orders
// concurrent writers. Only a change is recorded.
std::string merge_suppression(std::string_view from)
{
    std::string sets;
    for (std::string_view column : {"reason", "provider", "created_at", "source", "note"}) {
        sets += "        " + std::string(column) + " = CASE WHEN " + std::string(expired) +
                " THEN excluded." + std::string(column) + " ELSE s." + std::string(column) +
                " END,\n";
    }
    return R"sql(merged AS (
    INSERT INTO suppressions AS s (email, stream, reason, provider, created_at, expires_at,
                                   source, note)
    SELECT $1::text, $2::text, $3::text, $4::text, $5::bigint, $6::bigint, $7::text, $8::text )sql" +
           std::string(from) + R"sql(
    ON CONFLICT (email, stream) DO UPDATE SET
)sql" + sets +
           R"sql(        expires_at = excluded.expires_at
    WHERE )sql" +
           std::string(expired) + R"sql( OR (s.expires_at <> 0 AND (excluded.expires_at = 0
                                                 OR excluded.expires_at > s.expires_at))
    RETURNING s.email, s.stream, s.reason, s.expires_at)
INSERT INTO suppression_changes (email, stream, action, reason, source, note, at, expires_at)
SELECT email, stream, 'suppress', reason, $7::text, $8::text, $5::bigint, expires_at FROM merged)sql";
}

const std::string& suppress_sql()
{
    static const std::string sql = "WITH " + merge_suppression("");
    return sql;
}

// One more hit ($10) for the rule ($9), appended and pruned to the window ($11) under the
// counter row's lock, so hits of concurrent nodes are all kept; at the threshold ($12) it
// suppresses as suppress_sql does, in the same statement.
const std::string& count_sql()
{
    static const std::string sql = R"sql(WITH counted AS (
    INSERT INTO rule_counts AS c (email, rule, hits) VALUES ($1::text, $9::text, ARRAY[$10::bigint])
    ON CONFLICT (email, rule) DO UPDATE SET hits = (
        SELECT array_agg(h ORDER BY h) FROM unnest(c.hits || $10::bigint) AS u(h)
        WHERE h >= greatest((SELECT max(x) FROM unnest(c.hits) AS v(x)), $10::bigint)
                   - $11::bigint)
    RETURNING hits),
reached AS (
    SELECT FROM counted
    WHERE (SELECT count(*) FROM unnest(counted.hits) AS w(h)
           WHERE h BETWEEN $10::bigint - $11::bigint AND $10::bigint) >= greatest($12::bigint, 1)),
)sql" + merge_suppression("FROM reached");
    return sql;
}

// Only what was suppressed for that reason ($2), in the stream ($3) or every stream: a
// resubscribe never lifts a hard bounce. Each lift is recorded and the address's lifts counted
// (address_lifts, see key_after_lifts). Answers how many entries went.
constexpr std::string_view lift_sql = R"sql(
WITH lifted AS (
    DELETE FROM suppressions
    WHERE email = $1::text AND reason = $2::text AND stream IN ($3::text, '*')
    RETURNING email, stream, reason),
recorded AS (
    INSERT INTO suppression_changes (email, stream, action, reason, source, note, at, expires_at)
    SELECT email, stream, 'lift', reason, $4::text, $5::text, $6::bigint, 0 FROM lifted),
counted AS (
    INSERT INTO address_lifts (email, lifts) SELECT $1::text, 1 WHERE EXISTS (SELECT FROM lifted)
    ON CONFLICT (email) DO UPDATE SET lifts = address_lifts.lifts + 1)
SELECT count(*) FROM lifted)sql";

// As lift_sql, for any reason when $2 is empty, in the stream ($3) or, when it is empty, every
// stream.
constexpr std::string_view remove_sql = R"sql(
WITH lifted AS (
    DELETE FROM suppressions
    WHERE email = $1::text AND ($2::text = '' OR reason = $2::text)
        AND ($3::text = '' OR stream = $3::text)
    RETURNING email, stream, reason),
recorded AS (
    INSERT INTO suppression_changes (email, stream, action, reason, source, note, at, expires_at)
    SELECT email, stream, 'lift', reason, $4::text, $5::text, $6::bigint, 0 FROM lifted),
counted AS (
    INSERT INTO address_lifts (email, lifts) SELECT $1::text, 1 WHERE EXISTS (SELECT FROM lifted)
    ON CONFLICT (email) DO UPDATE SET lifts = address_lifts.lifts + 1)
SELECT count(*) FROM lifted)sql";

// In key order (bytewise, as the index), so concurrent writers lock rows in one order.
constexpr std::string_view put_sql = R"sql(
WITH put AS (
    INSERT INTO suppressions AS s (email, stream, reason, provider, created_at, expires_at,
                                   source, note)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[],
                         $6::bigint[], $7::text[], $8::text[])
        AS i(email, stream, reason, provider, created_at, expires_at, source, note)
    ORDER BY email COLLATE "C", stream COLLATE "C"
    ON CONFLICT (email, stream) DO UPDATE SET reason = excluded.reason,
        provider = excluded.provider, created_at = excluded.created_at,
        expires_at = excluded.expires_at, source = excluded.source, note = excluded.note
    RETURNING email, stream, reason, source, note, created_at, expires_at)
INSERT INTO suppression_changes (email, stream, action, reason, source, note, at, expires_at)
SELECT email, stream, 'suppress', reason, source, note, created_at, expires_at FROM put)sql";

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
    std::array<array_literal, 24> columns;

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
        columns[i++].add_boolean(e.routed->suppression == events::suppression_change::suppress ||
                                 e.routed->suppression == events::suppression_change::count);
        columns[i++].add(ev.reason ? reasons::to_string(*ev.reason) : std::string_view());
        columns[i++].add(int64_t{ev.smtp_code});
        columns[i++].add(ev.status);
        columns[i++].add(ev.remote_mta);
        columns[i].add(ev.attributed.stream);
    }
};

params entry_params(const suppression& e)
{
    params out;
    out.text(e.email)
        .text(e.stream)
        .text(e.reason)
        .text(e.provider)
        .integer(e.created_at)
        .integer(e.expires_at)
        .text(e.source)
        .text(e.note);
    return out;
}

statement_with_handler removal_statement(std::string_view sql, const suppression_change& c)
{
    const auto& e = c.entry;
    return {
        {sql,
         params().text(e.email).text(e.reason).text(e.stream).text(e.source).text(e.note).integer(
             e.created_at)},
        [removed = c.removed](const result& r) {
            if (removed) {
                removed(static_cast<std::size_t>(r.integer(0, 0)));
            }
        }};
}

statement_with_handler single_change(const suppression_change& c)
{
    switch (c.what) {
    case change_kind::suppress:
        return {{suppress_sql(), entry_params(c.entry)}, {}};
    case change_kind::count: {
        auto values = entry_params(c.entry);
        values.text(c.rule).integer(c.hit).integer(c.window).integer(c.threshold);
        return {{count_sql(), std::move(values)}, {}};
    }
    case change_kind::lift:
        return removal_statement(lift_sql, c);
    case change_kind::remove:
        break;
    }
    return removal_statement(remove_sql, c);
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
    suppression_change out;
    switch (routed.suppression) {
    case events::suppression_change::suppress:
        out.entry = entry_of(routed);
        return out;
    case events::suppression_change::count:
        out.what = change_kind::count;
        out.entry = entry_of(routed);
        out.rule = routed.rule;
        out.hit = ev.occurred_at_ms;
        out.window = routed.count_window_ms;
        out.threshold = routed.count_threshold;
        return out;
    case events::suppression_change::lift:
        out.what = change_kind::lift;
        out.entry.email = ev.email;
        out.entry.stream = routed.suppression_stream;
        out.entry.reason = routed.suppression_reason;
        out.entry.source = rule_source(routed, "resubscribe");
        out.entry.note = ev.description;
        out.entry.created_at = ev.received_at_ms;
        return out;
    case events::suppression_change::none:
        break;
    }
    return std::nullopt;
}

std::vector<statement_with_handler> suppression_statements(std::vector<suppression_change> changes)
{
    auto order = [](const suppression_change& c) {
        const bool counts = c.what == change_kind::count;
        return std::make_tuple(std::string_view(c.entry.email), !counts,
                               counts ? std::string_view(c.rule) : std::string_view());
    };
    std::stable_sort(changes.begin(), changes.end(),
                     [&](const auto& a, const auto& b) { return order(a) < order(b); });
    std::vector<statement_with_handler> out;
    out.reserve(changes.size());
    for (const auto& c : changes) {
        out.push_back(single_change(c));
    }
    return out;
}

statement put_suppressions(const std::vector<suppression>& entries)
{
    // ON CONFLICT cannot change one row twice in a statement: the last of each key wins.
    std::map<std::pair<std::string_view, std::string_view>, const suppression*> last;
    for (const auto& e : entries) {
        last[{e.email, e.stream}] = &e;
    }
    std::array<array_literal, 8> columns;
    for (const auto& [key, e] : last) {
        columns[0].add(e->email);
        columns[1].add(e->stream);
        columns[2].add(e->reason);
        columns[3].add(e->provider);
        columns[4].add(e->created_at);
        columns[5].add(e->expires_at);
        columns[6].add(e->source);
        columns[7].add(e->note);
    }
    params values;
    for (const auto& column : columns) {
        values.text(column.str());
    }
    return {put_sql, std::move(values)};
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
