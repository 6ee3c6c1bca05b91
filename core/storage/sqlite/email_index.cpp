#include "core/storage/sqlite/email_index.hpp"

#include "core/storage/prepared_event.hpp"

#include <algorithm>
#include <string>

namespace mailgate::core::storage::sqlite {
namespace {

// Rows per INSERT: the statement's own overhead is large next to a two-integer entry.
constexpr std::size_t rows_per_insert = 64;

std::string insert_sql(std::size_t rows)
{
    std::string sql = "INSERT INTO event_emails (email_hash, event_id) VALUES (?, ?)";
    for (std::size_t i = 1; i < rows; ++i) {
        sql += ", (?, ?)";
    }
    return sql;
}

void insert_sorted(connection& db, std::vector<std::pair<int64_t, int64_t>> entries)
{
    static const std::string full_insert = insert_sql(rows_per_insert);
    std::sort(entries.begin(), entries.end());
    std::size_t done = 0;
    for (; entries.size() - done >= rows_per_insert; done += rows_per_insert) {
        auto q = db.prepare(full_insert);
        for (std::size_t i = done; i < done + rows_per_insert; ++i) {
            q.bind(entries[i].first).bind(entries[i].second);
        }
        q.run();
    }
    for (; done < entries.size(); ++done) {
        db.prepare("INSERT INTO event_emails (email_hash, event_id) VALUES (?, ?)")
            .bind(entries[done].first)
            .bind(entries[done].second)
            .run();
    }
}

} // namespace

void email_index::recover(connection& db)
{
    auto q = db.prepare("SELECT id, email FROM events WHERE id > "
                        "(SELECT up_to FROM index_marks WHERE name = 'event_emails') ORDER BY id");
    entries_.clear();
    while (q.step()) {
        add(email_hash(q.text(1)), q.integer(0));
    }
}

void email_index::write_if_due(connection& db)
{
    written_ = false;
    if (entries_.size() < write_at_) {
        return;
    }
    // A copy is sorted: if the transaction does not commit, the entries stay pending in id
    // order, where rolled_back() finds the group's own.
    insert_sorted(db, entries_);
    db.prepare("UPDATE index_marks SET up_to = ? WHERE name = 'event_emails'")
        .bind(entries_.back().second)
        .run();
    written_ = true;
}

void email_index::committed() noexcept
{
    if (written_) {
        entries_.clear();
        written_ = false;
    }
    group_start_ = entries_.size();
}

void email_index::rolled_back()
{
    entries_.resize(group_start_);
    written_ = false;
}

} // namespace mailgate::core::storage::sqlite
