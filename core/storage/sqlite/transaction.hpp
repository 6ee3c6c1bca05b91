#pragma once

// A write transaction that rolls back unless committed, so every failure path (an exception
// in the middle of a group or a migration) leaves the database as it was.

#include "core/storage/sqlite/connection.hpp"

namespace mailgate::core::storage::sqlite {

class transaction {
public:
    /// BEGIN IMMEDIATE: takes the write lock now, so the commit cannot fail for want of it.
    explicit transaction(connection& db);
    ~transaction();
    transaction(const transaction&) = delete;
    transaction& operator=(const transaction&) = delete;

    /// Throws sqlite_error; the destructor then rolls back.
    void commit();

private:
    connection& db_;
    bool committed_ = false;
};

} // namespace mailgate::core::storage::sqlite
