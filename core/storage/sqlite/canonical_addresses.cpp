#include "core/storage/sqlite/canonical_addresses.hpp"

#include "core/storage/canonical_addresses.hpp"

#include <string>
#include <vector>

namespace mailgate::core::storage::sqlite {
namespace {

std::vector<std::string> stored_addresses(connection& db)
{
    std::vector<std::string> out;
    auto q = db.prepare("SELECT email FROM events UNION SELECT email FROM suppressions");
    while (q.step()) {
        out.push_back(q.text(0));
    }
    return out;
}

// The address index first, found through the events' old addresses; event_emails covers only
// the events up to its mark, the writer indexes the others from the rewritten events.
constexpr std::string_view rewrite_events_sql = R"sql(
UPDATE event_emails SET email_hash = (
    SELECT c.to_hash FROM events e JOIN address_changes c ON c.from_email = e.email
    WHERE e.id = event_emails.event_id)
WHERE event_id IN (SELECT e.id FROM events e JOIN address_changes c ON c.from_email = e.email);
UPDATE events SET email = c.to_email FROM address_changes c WHERE events.email = c.from_email;
)sql";

} // namespace

void rewrite_canonical_addresses(connection& db)
{
    for (const auto& change : canonical_changes(stored_addresses(db))) {
        db.prepare("INSERT INTO address_changes (from_email, to_email, from_hash, to_hash) "
                   "VALUES (?, ?, ?, ?)")
            .bind(change.from)
            .bind(change.to)
            .bind(change.from_hash)
            .bind(change.to_hash)
            .run();
    }
    db.execute_script(std::string(merge_suppressions_sql));
    db.execute_script(std::string(rewrite_events_sql));
    db.execute_script("DROP TABLE address_changes");
}

} // namespace mailgate::core::storage::sqlite
