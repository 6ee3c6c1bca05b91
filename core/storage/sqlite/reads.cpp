#include "core/storage/sqlite/reads.hpp"

#include "core/storage/campaign_counters.hpp"
#include "core/storage/prepared_event.hpp"
#include "core/storage/suppression_policy.hpp"
#include "core/storage/system_events_column.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string_view>
#include <variant>

namespace mailgate::core::storage::sqlite {
namespace {

// The events of an address (with `email = ?`): the hash finds the rows through the address
// index, and the newest events, which the index does not cover yet, are scanned; the address
// itself rules out collisions. (As one list: with an OR, SQLite scans every event.)
constexpr std::string_view of_address =
    "id IN (SELECT event_id FROM event_emails WHERE email_hash = ? "
    "UNION ALL SELECT id FROM events WHERE id > "
    "(SELECT up_to FROM index_marks WHERE name = 'event_indexes'))";

/// One `column op ?` term of a WHERE clause with the value it binds.
struct condition {
    std::string_view sql;
    std::variant<std::string_view, int64_t, std::string> value;
};

// A list of names as the statement reads it: a JSON array (json_each). Names are words.
template <class T, class Name>
std::string names_of(const std::vector<T>& values, Name name)
{
    std::string out = "[";
    for (const auto& v : values) {
        out += (out.size() > 1 ? ",\"" : "\"") + std::string(name(v)) + "\"";
    }
    return out + "]";
}

std::vector<condition> conditions_of(const event_filter& filter)
{
    std::vector<condition> out{{"id > ?", filter.after_id}};
    if (filter.email) {
        out.push_back({of_address, email_hash(*filter.email)});
        out.push_back({"email = ?", *filter.email});
    }
    if (filter.campaign_id) {
        // The extra term lets SQLite use the partial index on attributed events.
        out.push_back({filter.campaign_id->empty() ? "campaign_id = ?"
                                                   : "campaign_id = ? AND campaign_id <> ''",
                       *filter.campaign_id});
    }
    if (!filter.kinds.empty()) {
        out.push_back({"kind IN (SELECT value FROM json_each(?))",
                       names_of(filter.kinds, events::to_string)});
    }
    if (!filter.reasons.empty()) {
        out.push_back({"reason IN (SELECT value FROM json_each(?))",
                       names_of(filter.reasons, reasons::to_string)});
    }
    if (filter.provider) {
        out.push_back({"provider = ?", *filter.provider});
    }
    if (filter.since) {
        out.push_back({"received_at >= ?", *filter.since});
    }
    return out;
}

// Each combination of filters is its own statement, so each can use its index; the
// connection prepares each once (64 at most).
std::string events_sql(const std::vector<condition>& conditions)
{
    std::string where;
    for (const auto& c : conditions) {
        where += (where.empty() ? "" : " AND ") + std::string(c.sql);
    }
    return "SELECT e.id, e.provider, e.driver, e.kind, e.permanent, e.email, e.occurred_at, "
           "e.received_at, e.meta, e.message_id, e.campaign_id, e.profile, e.description, "
           "e.provider_event_id, e.event_key, e.detail_json, e.system_events, e.reason, "
           "e.smtp_code, e.status, e.remote_mta, e.stream "
           "FROM events AS e WHERE " +
           where + " ORDER BY e.id LIMIT ?";
}

int64_t page_size(std::size_t limit)
{
    return static_cast<int64_t>(std::min(limit, max_page_size));
}

events::event_kind kind_of(const std::string& name, int64_t id)
{
    auto kind = events::parse_event_kind(name);
    if (!kind) {
        throw std::runtime_error("event " + std::to_string(id) + " has an unknown kind: " + name);
    }
    return *kind;
}

stored_event event_of(const query& row)
{
    stored_event out;
    out.id = row.integer(0);
    auto& ev = out.ev;
    ev.provider = row.text(1);
    ev.driver = row.text(2);
    ev.kind = kind_of(row.text(3), out.id);
    ev.permanent = row.integer(4) != 0;
    ev.email = row.text(5);
    ev.occurred_at_ms = row.integer(6);
    ev.received_at_ms = row.integer(7);
    ev.meta = row.text(8);
    ev.attributed = {row.text(9), row.text(10), row.text(11), row.text(21)};
    ev.description = row.text(12);
    ev.provider_event_id = row.text(13);
    ev.event_key = row.text(14);
    ev.detail_json = row.text(15);
    out.system_events = system_events_from_json(row.text(16));
    ev.reason = reasons::parse_reason(row.text(17));
    ev.smtp_code = static_cast<int32_t>(row.integer(18));
    ev.status = row.text(19);
    ev.remote_mta = row.text(20);
    return out;
}

constexpr std::string_view suppression_columns =
    "email, reason, provider, created_at, stream, expires_at, source, note";

suppression suppression_of(const query& row)
{
    return {row.text(0), row.text(1),    row.text(2), row.integer(3),
            row.text(4), row.integer(5), row.text(6), row.text(7)};
}

std::vector<suppression> suppressions_of(query& q)
{
    std::vector<suppression> out;
    while (q.step()) {
        out.push_back(suppression_of(q));
    }
    return out;
}

} // namespace

std::vector<stored_event> select_events(connection& db, const event_filter& filter)
{
    auto conditions = conditions_of(filter);
    auto q = db.prepare(events_sql(conditions));
    for (const auto& c : conditions) {
        // By reference: the statement binds the text where it is, without a copy.
        std::visit([&q](const auto& value) { q.bind(value); }, c.value);
    }
    q.bind(page_size(filter.limit));
    std::vector<stored_event> out;
    while (q.step()) {
        out.push_back(event_of(q));
    }
    return out;
}

std::vector<suppression> select_suppressions(connection& db, const suppression_filter& filter)
{
    auto q = db.prepare("SELECT " + std::string(suppression_columns) + " FROM suppressions WHERE " +
                        (filter.reason ? "reason = ? AND " : "") +
                        (filter.stream ? "stream = ? AND " : "") +
                        "(email, stream) > (?, ?) ORDER BY email, stream LIMIT ?");
    if (filter.reason) {
        q.bind(*filter.reason);
    }
    if (filter.stream) {
        q.bind(*filter.stream);
    }
    q.bind(filter.after_email).bind(filter.after_stream).bind(page_size(filter.limit));
    return suppressions_of(q);
}

// On the sending path, once per recipient: at most four primary-key lookups. The address's own
// entry first, and of its entries the one for every stream.
std::optional<suppression> select_suppression(connection& db, const std::string& email,
                                              std::string_view stream, int64_t now)
{
    const auto domain = domain_entry_of(email);
    auto q = db.prepare("SELECT " + std::string(suppression_columns) +
                        " FROM suppressions WHERE email IN (?1, ?2) AND stream IN (?3, '*') "
                        "AND (expires_at = 0 OR expires_at > ?4) "
                        "ORDER BY email <> ?1, stream <> '*' LIMIT 1");
    q.bind(email).bind(domain.empty() ? email : domain).bind(stream).bind(now);
    if (!q.step()) {
        return std::nullopt;
    }
    return suppression_of(q);
}

std::vector<suppression> select_address_suppressions(connection& db, const std::string& email)
{
    const auto domain = domain_entry_of(email);
    auto q = db.prepare("SELECT " + std::string(suppression_columns) +
                        " FROM suppressions WHERE email IN (?, ?) ORDER BY email, stream");
    q.bind(email).bind(domain.empty() ? email : domain);
    return suppressions_of(q);
}

std::vector<suppression_record> select_suppression_history(connection& db, const std::string& email,
                                                           std::size_t limit)
{
    auto q = db.prepare("SELECT * FROM (SELECT id, email, stream, action, reason, source, note, "
                        "at, expires_at FROM suppression_changes WHERE email = ? "
                        "ORDER BY id DESC LIMIT ?) ORDER BY id");
    q.bind(email).bind(static_cast<int64_t>(std::min<std::size_t>(limit, INT64_MAX)));
    std::vector<suppression_record> out;
    while (q.step()) {
        out.push_back({q.text(1), q.text(2), q.text(3), q.text(4), q.text(5), q.text(6),
                       q.integer(7), q.integer(8)});
    }
    return out;
}

std::vector<rule_counter> select_rule_counters(connection& db, const std::string& email)
{
    static const std::string sql = "SELECT count_rule, occurred_at, count_window FROM events "
                                   "WHERE " +
                                   std::string(of_address) +
                                   " AND email = ? AND count_rule <> '' ORDER BY id";
    auto q = db.prepare(sql);
    q.bind(email_hash(email)).bind(email);
    std::map<std::string, std::vector<int64_t>> by_rule;
    while (q.step()) {
        auto& hits = by_rule[q.text(0)];
        hits = add_hit(std::move(hits), q.integer(1), q.integer(2));
    }
    std::vector<rule_counter> out;
    for (auto& [rule, hits] : by_rule) {
        out.push_back({rule, std::move(hits)});
    }
    return out;
}

std::optional<mailbox_cursor> select_mailbox_cursor(connection& db, const std::string& mailbox)
{
    auto q = db.prepare("SELECT uid_validity, last_uid FROM mailbox_cursors WHERE mailbox = ?");
    if (!q.bind(mailbox).step()) {
        return std::nullopt;
    }
    return mailbox_cursor{q.integer(0), q.integer(1)};
}

campaign_report select_report(connection& db, const std::string& campaign_id)
{
    campaign_report out{campaign_id, {}, {}, {}};
    auto q = db.prepare("SELECT counter, count FROM campaign_counters WHERE campaign_id = ?");
    q.bind(campaign_id);
    while (q.step()) {
        add_counter(out, q.text(0), q.integer(1));
    }
    return out;
}

std::optional<queued_message> select_message(connection& db, const std::string& id)
{
    auto q = db.prepare("SELECT id, provider, campaign_id, mail_from, recipient, smtputf8, state, "
                        "attempts, created_at, next_attempt_at, updated_at, last_reply, failure, "
                        "provider_message_id, stream FROM outbound_messages WHERE id = ?");
    if (!q.bind(id).step()) {
        return std::nullopt;
    }
    queued_message m;
    m.id = q.text(0);
    m.provider = q.text(1);
    m.campaign_id = q.text(2);
    m.mail_from = q.text(3);
    m.recipient = q.text(4);
    m.smtputf8 = q.integer(5) != 0;
    auto state = parse_delivery_state(q.text(6));
    if (!state) {
        throw std::runtime_error("message " + id + " has an unknown state: " + q.text(6));
    }
    m.state = *state;
    m.attempts = q.integer(7);
    m.created_at = q.integer(8);
    m.next_attempt_at = q.integer(9);
    m.updated_at = q.integer(10);
    m.last_reply = q.text(11);
    m.failure = q.text(12);
    m.provider_message_id = q.text(13);
    m.stream = q.text(14);
    return m;
}

int64_t count_queued(connection& db)
{
    auto q = db.prepare("SELECT count(*) FROM outbound_messages "
                        "WHERE state IN ('queued', 'sending', 'deferred')");
    q.step();
    return q.integer(0);
}

std::vector<queue_row> select_queue_summary(connection& db)
{
    auto q = db.prepare("SELECT provider, state, count(*), min(created_at), min(next_attempt_at) "
                        "FROM outbound_messages WHERE state IN ('queued', 'sending', 'deferred') "
                        "GROUP BY provider, state ORDER BY provider, state");
    std::vector<queue_row> out;
    while (q.step()) {
        out.push_back({q.text(0), q.text(1), q.integer(2), q.integer(3), q.integer(4)});
    }
    return out;
}

} // namespace mailgate::core::storage::sqlite
