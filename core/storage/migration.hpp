#pragma once

// The schema as numbered migrations, each applied once, in order, and recorded in
// schema_migrations. Each backend has its own SQL for the same versions.

#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mailgate::core::storage {

/// One version: its SQL, then, when set, what only code can do to the rows (on the backend's
/// `Connection`, in the same transaction).
template <class Connection>
struct basic_migration {
    int version = 0;
    std::string_view sql;
    void (*rewrite_rows)(Connection&) = nullptr;
};

/// A database is never changed by a version that does not know its schema. Throws
/// std::runtime_error when `version` is newer than the last of `list`.
template <class Connection>
void refuse_newer(int version, std::span<const basic_migration<Connection>> list)
{
    const int known = list.empty() ? 0 : list.back().version;
    if (version > known) {
        throw std::runtime_error("the database schema is version " + std::to_string(version) +
                                 ", newer than this mailgate knows (" + std::to_string(known) +
                                 ")");
    }
}

} // namespace mailgate::core::storage
