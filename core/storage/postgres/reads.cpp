#include "core/storage/postgres/reads.hpp"

#include "core/storage/campaign_counters.hpp"
#include "core/storage/prepared_event.hpp"
#include "core/storage/suppression_policy.hpp"
#include "core/storage/system_events_column.hpp"

#include <algorithm>
#include <stdexcept>
#include <string_view>
#include <variant>

namespace mailgate::core::storage::postgres {
namespace {

/// One `column op $n` term of a WHERE clause ('?' stands for the parameter) and its value.
struct condition {
    std::string_view sql;
    std::variant<std::string_view, int64_t, std::string> value;
};

// A list of names as the statement reads it: comma-separated (string_to_array). Names are
// words.
template <class T, class Name>
std::string names_of(const std::vector<T>& values, Name name)
{
    std::string out;
    for (const auto& v : values) {
        out += (out.empty() ? "" : ",") + std::string(name(v));
    }
    return out;
}

std::vector<condition> conditions_of(const event_filter& filter)
{
    std::vector<condition> out{{"id > ?", filter.after_id}};
    if (filter.email) {
        // The hash finds the rows through its index; the address itself rules out collisions.
        out.push_back({"email_hash = ?", email_hash(*filter.email)});
        out.push_back({"email = ?", *filter.email});
    }
    if (filter.campaign_id) {
        // The extra term lets PostgreSQL use the partial index on attributed events.
        out.push_back({filter.campaign_id->empty() ? "campaign_id = ?"
                                                   : "campaign_id = ? AND campaign_id <> ''",
                       *filter.campaign_id});
    }
    if (!filter.kinds.empty()) {
        out.push_back(
            {"kind = ANY(string_to_array(?, ','))", names_of(filter.kinds, events::to_string)});
    }
    if (!filter.reasons.empty()) {
        out.push_back({"reason = ANY(string_to_array(?, ','))",
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

// Each combination of filters is its own statement, so each gets its own plan; the connection
// prepares each once (32 at most).
std::string events_sql(const std::vector<condition>& conditions)
{
    std::string where;
    int parameter = 0;
    for (const auto& c : conditions) {
        where += where.empty() ? "" : " AND ";
        const auto mark = c.sql.find('?');
        where += std::string(c.sql.substr(0, mark)) + "$" + std::to_string(++parameter) +
                 std::string(c.sql.substr(mark + 1));
    }
    return "SELECT id, provider, driver, kind, permanent, email, occurred_at, received_at, meta, "
           "message_id, campaign_id, profile, description, provider_event_id, event_key, "
           "detail_json, system_events, reason, smtp_code, status, remote_mta, stream FROM events "
           "WHERE " +
           where + " ORDER BY id LIMIT $" + std::to_string(parameter + 1);
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

stored_event event_of(const result& r, int row)
{
    stored_event out;
    out.id = r.integer(row, 0);
    auto& ev = out.ev;
    ev.provider = r.text(row, 1);
    ev.driver = r.text(row, 2);
    ev.kind = kind_of(r.text(row, 3), out.id);
    ev.permanent = r.boolean(row, 4);
    ev.email = r.text(row, 5);
    ev.occurred_at_ms = r.integer(row, 6);
    ev.received_at_ms = r.integer(row, 7);
    ev.meta = r.text(row, 8);
    ev.attributed = {r.text(row, 9), r.text(row, 10), r.text(row, 11), r.text(row, 21)};
    ev.description = r.text(row, 12);
    ev.provider_event_id = r.text(row, 13);
    ev.event_key = r.text(row, 14);
    ev.detail_json = r.text(row, 15);
    out.system_events = system_events_from_json(r.text(row, 16));
    ev.reason = reasons::parse_reason(r.text(row, 17));
    ev.smtp_code = static_cast<int32_t>(r.integer(row, 18));
    ev.status = r.text(row, 19);
    ev.remote_mta = r.text(row, 20);
    return out;
}

// The entries `rest` (a WHERE clause and more) selects, in suppressions_of's columns.
std::string select_entries(std::string_view rest)
{
    return "SELECT email, reason, provider, created_at, stream, expires_at, source, note FROM "
           "suppressions " +
           std::string(rest);
}

std::vector<suppression> suppressions_of(const result& r)
{
    std::vector<suppression> out;
    for (int row = 0; row < r.rows(); ++row) {
        out.push_back({r.text(row, 0), r.text(row, 1), r.text(row, 2), r.integer(row, 3),
                       r.text(row, 4), r.integer(row, 5), r.text(row, 6), r.text(row, 7)});
    }
    return out;
}

} // namespace

std::vector<stored_event> select_events(connection& db, const event_filter& filter)
{
    const auto conditions = conditions_of(filter);
    params values;
    for (const auto& c : conditions) {
        std::visit(
            [&values](const auto& value) {
                if constexpr (std::is_same_v<std::decay_t<decltype(value)>, int64_t>) {
                    values.integer(value);
                } else {
                    values.text(value);
                }
            },
            c.value);
    }
    values.integer(page_size(filter.limit));
    const auto r = db.query(events_sql(conditions), values);
    std::vector<stored_event> out;
    for (int row = 0; row < r.rows(); ++row) {
        out.push_back(event_of(r, row));
    }
    return out;
}

std::vector<suppression> select_suppressions(connection& db, const suppression_filter& filter)
{
    // Every filter is in the text, an absent one as a NULL that matches all: one statement.
    params values;
    values.text(filter.reason.value_or(""))
        .boolean(filter.reason.has_value())
        .text(filter.stream.value_or(""))
        .boolean(filter.stream.has_value())
        .text(filter.after_email)
        .text(filter.after_stream)
        .integer(page_size(filter.limit));
    return suppressions_of(db.query(
        select_entries("WHERE (NOT $2::boolean OR reason = $1::text) AND (NOT $4::boolean OR "
                       "stream = $3::text) "
                       "AND (email, stream) > ($5::text COLLATE \"C\", $6::text COLLATE \"C\") "
                       "ORDER BY email, stream LIMIT $7"),
        values));
}

// On the sending path, once per recipient: at most four primary-key lookups. The address's own
// entry first, and of its entries the one for every stream.
std::optional<suppression> select_suppression(connection& db, const std::string& email,
                                              std::string_view stream, int64_t now)
{
    const auto domain = domain_entry_of(email);
    auto found = suppressions_of(db.query(
        select_entries("WHERE email IN ($1::text, $2::text) AND stream IN ($3::text, '*') "
                       "AND (expires_at = 0 OR expires_at > $4::bigint) "
                       "ORDER BY email <> $1::text, stream <> '*' LIMIT 1"),
        params().text(email).text(domain.empty() ? email : domain).text(stream).integer(now)));
    if (found.empty()) {
        return std::nullopt;
    }
    return std::move(found.front());
}

std::vector<suppression> select_address_suppressions(connection& db, const std::string& email)
{
    const auto domain = domain_entry_of(email);
    return suppressions_of(db.query(select_entries("WHERE email IN ($1::text, $2::text) "
                                                   "ORDER BY email, stream"),
                                    params().text(email).text(domain.empty() ? email : domain)));
}

std::vector<suppression_record> select_suppression_history(connection& db, const std::string& email,
                                                           std::size_t limit)
{
    const auto r = db.query(
        "SELECT * FROM (SELECT id, email, stream, action, reason, source, note, at, expires_at "
        "FROM suppression_changes WHERE email = $1::text ORDER BY id DESC LIMIT $2) AS newest "
        "ORDER BY id",
        params().text(email).integer(
            static_cast<int64_t>(std::min<std::size_t>(limit, INT64_MAX))));
    std::vector<suppression_record> out;
    for (int row = 0; row < r.rows(); ++row) {
        out.push_back({r.text(row, 1), r.text(row, 2), r.text(row, 3), r.text(row, 4),
                       r.text(row, 5), r.text(row, 6), r.integer(row, 7), r.integer(row, 8)});
    }
    return out;
}

std::vector<rule_counter> select_rule_counters(connection& db, const std::string& email)
{
    const auto r = db.query("SELECT rule, array_to_string(hits, ',') FROM rule_counts "
                            "WHERE email = $1::text ORDER BY rule",
                            params().text(email));
    std::vector<rule_counter> out;
    for (int row = 0; row < r.rows(); ++row) {
        out.push_back({r.text(row, 0), hits_of(r.text(row, 1))});
    }
    return out;
}

std::optional<mailbox_cursor> select_mailbox_cursor(connection& db, const std::string& mailbox)
{
    const auto r = db.query("SELECT uid_validity, last_uid FROM mailbox_cursors WHERE mailbox = $1",
                            params().text(mailbox));
    if (r.rows() == 0) {
        return std::nullopt;
    }
    return mailbox_cursor{r.integer(0, 0), r.integer(0, 1)};
}

campaign_report select_report(connection& db, const std::string& campaign_id)
{
    campaign_report out{campaign_id, {}, {}, {}};
    const auto r = db.query("SELECT counter, count FROM campaign_counters WHERE campaign_id = $1",
                            params().text(campaign_id));
    for (int row = 0; row < r.rows(); ++row) {
        add_counter(out, r.text(row, 0), r.integer(row, 1));
    }
    return out;
}

std::optional<queued_message> select_message(connection& db, const std::string& id)
{
    const auto r =
        db.query("SELECT id, provider, campaign_id, mail_from, recipient, smtputf8, state, "
                 "attempts, created_at, next_attempt_at, updated_at, last_reply, failure, "
                 "provider_message_id, stream FROM outbound_messages WHERE id = $1",
                 params().text(id));
    if (r.rows() == 0) {
        return std::nullopt;
    }
    queued_message m;
    m.id = r.text(0, 0);
    m.provider = r.text(0, 1);
    m.campaign_id = r.text(0, 2);
    m.mail_from = r.text(0, 3);
    m.recipient = r.text(0, 4);
    m.smtputf8 = r.boolean(0, 5);
    auto state = parse_delivery_state(r.text(0, 6));
    if (!state) {
        throw std::runtime_error("message " + id + " has an unknown state: " + r.text(0, 6));
    }
    m.state = *state;
    m.attempts = r.integer(0, 7);
    m.created_at = r.integer(0, 8);
    m.next_attempt_at = r.integer(0, 9);
    m.updated_at = r.integer(0, 10);
    m.last_reply = r.text(0, 11);
    m.failure = r.text(0, 12);
    m.provider_message_id = r.text(0, 13);
    m.stream = r.text(0, 14);
    return m;
}

int64_t count_queued(connection& db)
{
    return db
        .query("SELECT count(*) FROM outbound_messages "
               "WHERE state IN ('queued', 'sending', 'deferred')")
        .integer(0, 0);
}

std::vector<queue_row> select_queue_summary(connection& db)
{
    const auto r =
        db.query("SELECT provider, state, count(*), min(created_at), min(next_attempt_at) "
                 "FROM outbound_messages WHERE state IN ('queued', 'sending', 'deferred') "
                 "GROUP BY provider, state ORDER BY provider, state");
    std::vector<queue_row> out;
    for (int row = 0; row < r.rows(); ++row) {
        out.push_back({r.text(row, 0), r.text(row, 1), r.integer(row, 2), r.integer(row, 3),
                       r.integer(row, 4)});
    }
    return out;
}

} // namespace mailgate::core::storage::postgres
