#include "core/storage/sqlite/email_index.hpp"

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

} // namespace

void email_index::write(connection& db)
{
    static const std::string full_insert = insert_sql(rows_per_insert);
    std::sort(entries_.begin(), entries_.end());
    std::size_t done = 0;
    for (; entries_.size() - done >= rows_per_insert; done += rows_per_insert) {
        auto q = db.prepare(full_insert);
        for (std::size_t i = done; i < done + rows_per_insert; ++i) {
            q.bind(entries_[i].first).bind(entries_[i].second);
        }
        q.run();
    }
    for (; done < entries_.size(); ++done) {
        db.prepare("INSERT INTO event_emails (email_hash, event_id) VALUES (?, ?)")
            .bind(entries_[done].first)
            .bind(entries_[done].second)
            .run();
    }
    entries_.clear();
}

} // namespace mailgate::core::storage::sqlite
