#pragma once

// Schema migration 3's rows: every stored address in its canonical form (storage/
// canonical_addresses.hpp).

#include "core/storage/postgres/connection.hpp"

#include <string_view>

namespace mailgate::core::storage::postgres {

/// The migration's SQL: the table of changes rewrite_canonical_addresses fills. Bytewise like
/// the suppressions' addresses it is compared with.
inline constexpr std::string_view address_changes_schema = R"sql(
CREATE TEMP TABLE address_changes (
    from_email text COLLATE "C" NOT NULL PRIMARY KEY,
    to_email text COLLATE "C" NOT NULL,
    from_hash bigint NOT NULL,
    to_hash bigint NOT NULL
);
)sql";

/// Rewrites the suppressions (merging those that now share an address: the earliest stays)
/// and the events with their address hash; drops address_changes. In the migration's
/// transaction. Throws postgres_error.
void rewrite_canonical_addresses(connection& db);

} // namespace mailgate::core::storage::postgres
