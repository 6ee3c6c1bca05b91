#pragma once

// Schema migration 6's rows: every stored address in its canonical form (storage/
// canonical_addresses.hpp).

#include "core/storage/sqlite/connection.hpp"

#include <string_view>

namespace mailgate::core::storage::sqlite {

/// The migration's SQL: the table of changes rewrite_canonical_addresses fills.
inline constexpr std::string_view address_changes_schema = R"sql(
CREATE TEMP TABLE address_changes (
    from_email TEXT NOT NULL PRIMARY KEY,
    to_email TEXT NOT NULL,
    from_hash INTEGER NOT NULL,
    to_hash INTEGER NOT NULL
);
)sql";

/// Rewrites the suppressions (merging those that now share an address: the earliest stays),
/// the events and their address index; drops address_changes. In the migration's transaction.
/// Throws sqlite_error.
void rewrite_canonical_addresses(connection& db);

} // namespace mailgate::core::storage::sqlite
