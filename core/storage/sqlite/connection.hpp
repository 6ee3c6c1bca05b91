#pragma once

// One SQLite connection with its prepared statements. Used by one thread at a time (the
// writer's, or whoever leased it from the read pool), so it is opened without SQLite's own
// per-connection mutex.

#include "core/storage/sqlite/query.hpp"

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

struct sqlite3;

namespace mailgate::core::storage::sqlite {

enum class access { read_write, read_only };

class connection {
public:
    /// Opens (read_write: creates) the database file. Throws sqlite_error naming it.
    connection(const std::filesystem::path& path, access mode);

    /// The statement for `sql`, prepared on first use and kept for the connection's life. One
    /// query per statement at a time: a second would reset the first. Throws sqlite_error.
    query prepare(std::string_view sql);

    /// Runs SQL text of any number of statements, not kept: for schema scripts.
    void execute_script(const std::string& sql);

    /// False once SQLite has ended the transaction itself, as it does after some errors
    /// (disk full, I/O error): then no savepoint is left to roll back to.
    bool in_transaction() const noexcept;

    /// Rows changed by the last INSERT, UPDATE or DELETE, and the rowid of the last insert.
    int64_t changes() const noexcept;
    /// Rows changed on this connection since it opened.
    int64_t total_changes() const noexcept;
    int64_t last_insert_rowid() const noexcept;

    /// The write-ahead log beside the database file (whether or not it exists yet).
    std::filesystem::path wal_path() const;

private:
    struct close_database {
        void operator()(sqlite3* db) const noexcept;
    };
    struct finalize_statement {
        void operator()(sqlite3_stmt* stmt) const noexcept;
    };
    struct sql_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view sql) const noexcept
        {
            return std::hash<std::string_view>{}(sql);
        }
    };
    using statement = std::unique_ptr<sqlite3_stmt, finalize_statement>;

    // Declared first so it is closed last, after every statement is finalized.
    std::unique_ptr<sqlite3, close_database> db_;
    std::unordered_map<std::string, statement, sql_hash, std::equal_to<>> statements_;
};

} // namespace mailgate::core::storage::sqlite
