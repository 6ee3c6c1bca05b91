#include "core/storage/postgres/canonical_addresses.hpp"

#include "core/storage/canonical_addresses.hpp"

#include <string>
#include <vector>

namespace mailgate::core::storage::postgres {
namespace {

std::vector<std::string> stored_addresses(connection& db)
{
    // COLLATE: the events' addresses and the suppressions' are collated differently.
    const auto r =
        db.query("SELECT email COLLATE \"C\" FROM events UNION SELECT email FROM suppressions");
    std::vector<std::string> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int row = 0; row < r.rows(); ++row) {
        out.push_back(r.text(row, 0));
    }
    return out;
}

constexpr std::string_view rewrite_events_sql = R"sql(
UPDATE events SET email = c.to_email, email_hash = c.to_hash
FROM address_changes c WHERE events.email COLLATE "C" = c.from_email;
)sql";

} // namespace

void rewrite_canonical_addresses(connection& db)
{
    for (const auto& change : canonical_changes(stored_addresses(db))) {
        db.query("INSERT INTO address_changes (from_email, to_email, from_hash, to_hash) "
                 "VALUES ($1, $2, $3, $4)",
                 params()
                     .text(change.from)
                     .text(change.to)
                     .integer(change.from_hash)
                     .integer(change.to_hash));
    }
    db.execute(std::string(merge_suppressions_sql));
    db.execute(std::string(rewrite_events_sql));
    db.execute("DROP TABLE address_changes");
}

} // namespace mailgate::core::storage::postgres
