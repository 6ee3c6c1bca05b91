#pragma once

// The schema, as numbered migrations. Each is applied once, in order, and recorded in
// schema_migrations; a database is never changed by a version that does not know its schema.
// The SQL stays portable: the PostgreSQL backend mirrors it version by version.

#include "core/storage/migration.hpp"
#include "core/storage/sqlite/connection.hpp"

#include <span>

namespace mailgate::core::storage::sqlite {

using migration = storage::basic_migration<connection>;

/// Every migration of the schema, ascending.
std::span<const migration> all_migrations() noexcept;

/// Applies the migrations of `list` newer than the database, in one transaction, and returns
/// the schema version. Throws std::runtime_error when the database is newer than `list`, and
/// sqlite_error when a migration fails (then none is applied).
int migrate(connection& db, std::span<const migration> list = all_migrations());

} // namespace mailgate::core::storage::sqlite
