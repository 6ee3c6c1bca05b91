#pragma once

// The migration that brings stored addresses to their canonical form (addressing::
// canonical_email), the key of the suppression list and of the events since that form exists.
// The canonical form is C++, so each backend reads the addresses it holds, gets their changes
// here, and applies them with the SQL below (the same in both).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mailgate::core::storage {

struct address_change {
    std::string from;
    std::string to;
    int64_t from_hash = 0; ///< email_hash(from)
    int64_t to_hash = 0;   ///< email_hash(to)
};

/// The changes that make `stored` (distinct addresses) canonical: one for each that is not. An
/// address the parser refuses stays as it is (no message can be sent to it, so a suppression of
/// it cannot matter; its events keep the address as written).
std::vector<address_change> canonical_changes(const std::vector<std::string>& stored);

/// Run once address_changes (from_email, to_email, from_hash, to_hash) holds the changes: the
/// suppressions that now share an address become one, the earliest (its reason and provider).
inline constexpr std::string_view merge_suppressions_sql = R"sql(
CREATE TEMP TABLE merged_suppressions AS
SELECT email, reason, provider, created_at FROM (
    SELECT coalesce(c.to_email, s.email) AS email, s.reason, s.provider, s.created_at,
           row_number() OVER (PARTITION BY coalesce(c.to_email, s.email)
                              ORDER BY s.created_at, s.email) AS place
    FROM suppressions s LEFT JOIN address_changes c ON c.from_email = s.email
    WHERE s.email IN (SELECT from_email FROM address_changes)
       OR s.email IN (SELECT to_email FROM address_changes)
) AS ranked WHERE place = 1;
DELETE FROM suppressions WHERE email IN (SELECT from_email FROM address_changes)
    OR email IN (SELECT to_email FROM address_changes);
INSERT INTO suppressions (email, reason, provider, created_at)
    SELECT email, reason, provider, created_at FROM merged_suppressions;
DROP TABLE merged_suppressions;
)sql";

} // namespace mailgate::core::storage
