#pragma once

// The schema on PostgreSQL: the SQLite schema's versions with PostgreSQL's types. Several
// nodes may start at once on one database: they migrate under an advisory lock, so one applies
// each migration and the others find it applied.

#include "core/storage/migration.hpp"
#include "core/storage/postgres/connection.hpp"

#include <span>

namespace mailgate::core::storage::postgres {

using migration = storage::basic_migration<connection>;

/// Every migration of the schema, ascending.
std::span<const migration> all_migrations() noexcept;

/// Applies the migrations of `list` newer than the database, in one transaction holding the
/// migration lock, and returns the schema version. Throws std::runtime_error when the database
/// is newer than `list`, and postgres_error when a migration fails (then none is applied).
int migrate(connection& db, std::span<const migration> list = all_migrations());

} // namespace mailgate::core::storage::postgres
