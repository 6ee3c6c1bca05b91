#include "core/storage/sqlite/email_index.hpp"

#include "core/storage/prepared_event.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace mailgate::core::storage::sqlite {
namespace {

using entry = std::pair<int64_t, int64_t>; // email_hash, event_id

// Rows per INSERT: the statement's own overhead is large next to a two-integer entry.
constexpr std::size_t rows_per_insert = 64;

std::string insert_sql(std::size_t rows)
{
    std::string sql = "INSERT INTO event_emails (email_hash, event_id) VALUES (?, ?)";
    for (std::size_t i = 1; i < rows; ++i) {
        sql += ", (?, ?)";
    }
    // Another process's write may have covered some already.
    return sql + " ON CONFLICT DO NOTHING";
}

std::vector<entry> unindexed(connection& db)
{
    auto q = db.prepare("SELECT id, email FROM events WHERE id > "
                        "(SELECT up_to FROM index_marks WHERE name = 'event_emails') ORDER BY id");
    std::vector<entry> out;
    while (q.step()) {
        out.emplace_back(email_hash(q.text(1)), q.integer(0));
    }
    return out;
}

void insert_sorted(connection& db, std::vector<entry> entries)
{
    static const std::string full_insert = insert_sql(rows_per_insert);
    static const std::string one_insert = insert_sql(1);
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
        db.prepare(one_insert).bind(entries[done].first).bind(entries[done].second).run();
    }
}

} // namespace

void email_index::write_if_due(connection& db)
{
    written_ = false;
    if (since_write_ < write_at_) {
        return;
    }
    auto entries = unindexed(db);
    if (!entries.empty()) {
        const int64_t last = entries.back().second;
        insert_sorted(db, std::move(entries));
        db.prepare("UPDATE index_marks SET up_to = ? WHERE name = 'event_emails'").bind(last).run();
    }
    written_ = true;
}

void email_index::finished(bool committed) noexcept
{
    if (committed && written_) {
        since_write_ = 0;
    }
    written_ = false;
}

} // namespace mailgate::core::storage::sqlite
