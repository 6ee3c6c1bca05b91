#include "core/storage/sqlite/event_indexes.hpp"

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mailgate::core::storage::sqlite {
namespace {

constexpr std::string_view unindexed_sql =
    "SELECT id, email, key_hash, count_rule, occurred_at, count_window FROM events WHERE id > "
    "(SELECT up_to FROM index_marks WHERE name = 'event_indexes') ORDER BY id";

// Rows per INSERT: the statement's own overhead is large next to an entry.
constexpr std::size_t rows_per_insert = 64;

// Another process's write may have covered some entries already.
std::string insert_sql(std::string_view table, std::string_view columns, std::size_t values,
                       std::size_t rows)
{
    std::string row = "(?";
    for (std::size_t i = 1; i < values; ++i) {
        row += ", ?";
    }
    row += ")";
    std::string sql =
        "INSERT INTO " + std::string(table) + " (" + std::string(columns) + ") VALUES " + row;
    for (std::size_t i = 1; i < rows; ++i) {
        sql += ", " + row;
    }
    return sql + " ON CONFLICT DO NOTHING";
}

key_hash key_of(const query& row, int column)
{
    const auto bytes = row.text(column);
    key_hash key{};
    std::copy_n(bytes.begin(), std::min(bytes.size(), key.size()), key.begin());
    return key;
}

/// Inserts sorted entries, many per statement; `bind` binds one entry.
template <class Entry, class Bind>
void insert_sorted(connection& db, std::vector<Entry> entries, const std::string& many,
                   const std::string& one, Bind bind)
{
    std::sort(entries.begin(), entries.end());
    std::size_t done = 0;
    for (; entries.size() - done >= rows_per_insert; done += rows_per_insert) {
        auto q = db.prepare(many);
        for (std::size_t i = done; i < done + rows_per_insert; ++i) {
            bind(q, entries[i]);
        }
        q.run();
    }
    for (; done < entries.size(); ++done) {
        auto q = db.prepare(one);
        bind(q, entries[done]);
        q.run();
    }
}

int64_t newest_event_id(connection& db)
{
    auto q = db.prepare("SELECT coalesce(max(id), 0) FROM events");
    q.step();
    return q.integer(0);
}

int64_t data_version(connection& db)
{
    auto q = db.prepare("PRAGMA data_version");
    q.step();
    return q.integer(0);
}

} // namespace

void event_indexes::begin_group(connection& db)
{
    if (newest_event_id(db) != newest_id_) {
        stale_ = true; // another process stored events since
    }
    // Another connection changed the file: what the filters hold may fall short.
    if (const auto version = data_version(db); version != data_version_) {
        data_version_ = version;
        counts_.forget_addresses();
        lifted_.forget();
    }
}

bool event_indexes::contains(connection& db, const key_hash& key)
{
    if (stale_) {
        reload(db);
    }
    if (pending_.count(key) != 0) {
        return true;
    }
    return db.prepare("SELECT 1 FROM event_keys WHERE key_hash = ?")
        .bind_blob(bytes_of(key))
        .step();
}

const std::vector<int64_t>& event_indexes::counted(connection& db, const std::string& email,
                                                   int64_t hash, const std::string& rule,
                                                   int64_t at, int64_t window)
{
    return counts_.add(db, email, hash, rule, at, window);
}

bool event_indexes::may_be_lifted(connection& db, int64_t hash)
{
    if (lifted_.needs_read()) {
        lifted_.read(db, "SELECT count(*) FROM address_lifts", "SELECT email FROM address_lifts",
                     address_filter::column::email);
    }
    return lifted_.may_hold(hash);
}

void event_indexes::lifted(connection& db, int64_t hash)
{
    if (!may_be_lifted(db, hash)) {
        lifted_.add(hash);
    }
}

void event_indexes::stored(const key_hash& key, int64_t id)
{
    pending_.insert(key);
    newest_id_ = id;
    ++since_write_;
}

void event_indexes::reload(connection& db)
{
    pending_.clear();
    counts_.clear();
    auto q = db.prepare(unindexed_sql);
    while (q.step()) {
        pending_.insert(key_of(q, 2));
        if (const auto rule = q.text(3); !rule.empty()) {
            const auto email = q.text(1);
            counts_.add(db, email, email_hash(email), rule, q.integer(4), q.integer(5));
        }
    }
    newest_id_ = newest_event_id(db);
    stale_ = false;
}

void event_indexes::write_if_due(connection& db)
{
    written_ = false;
    if (since_write_ < write_at_) {
        return;
    }
    if (stale_) {
        reload(db); // counted_addresses must list the addresses another process counted
    }
    std::vector<std::pair<int64_t, int64_t>> emails; // email_hash, event_id
    std::vector<key_hash> keys;
    auto q = db.prepare(unindexed_sql);
    while (q.step()) {
        emails.emplace_back(email_hash(q.text(1)), q.integer(0));
        keys.push_back(key_of(q, 2));
    }
    // Done even when another process already indexed everything: the count starts over.
    written_ = true;
    if (emails.empty()) {
        return;
    }
    const int64_t last = emails.back().second;
    static const std::string many_emails =
        insert_sql("event_emails", "email_hash, event_id", 2, rows_per_insert);
    static const std::string one_email = insert_sql("event_emails", "email_hash, event_id", 2, 1);
    insert_sorted(db, std::move(emails), many_emails, one_email,
                  [](query& q, const auto& e) { q.bind(e.first).bind(e.second); });
    static const std::string many_keys = insert_sql("event_keys", "key_hash", 1, rows_per_insert);
    static const std::string one_key = insert_sql("event_keys", "key_hash", 1, 1);
    insert_sorted(db, std::move(keys), many_keys, one_key,
                  [](query& q, const key_hash& k) { q.bind_blob(bytes_of(k)); });
    if (const auto counted = hashes_blob(counts_.addresses()); !counted.empty()) {
        db.prepare("INSERT INTO counted_addresses (hashes) VALUES (?)").bind_blob(counted).run();
    }
    db.prepare("UPDATE index_marks SET up_to = ? WHERE name = 'event_indexes'").bind(last).run();
}

void event_indexes::finished(bool committed) noexcept
{
    if (!committed) {
        stale_ = true;
    } else if (written_) {
        pending_.clear(); // all in event_keys now, and found by address
        counts_.clear();
        since_write_ = 0;
    }
    written_ = false;
}

} // namespace mailgate::core::storage::sqlite
