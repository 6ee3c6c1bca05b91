#include "core/storage/sqlite/connection.hpp"

#include "core/storage/sqlite/error.hpp"

#include <sqlite3.h>

namespace mailgate::core::storage::sqlite {
namespace {

// Only another process holding the write lock makes SQLite wait: within the gateway there is
// one writer, and WAL readers never block it.
constexpr int busy_timeout_ms = 5000;

int open_flags(access mode)
{
    int flags = SQLITE_OPEN_NOMUTEX;
    return mode == access::read_write ? flags | SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                                      : flags | SQLITE_OPEN_READONLY;
}

} // namespace

void connection::close_database::operator()(sqlite3* db) const noexcept
{
    sqlite3_close_v2(db);
}

void connection::finalize_statement::operator()(sqlite3_stmt* stmt) const noexcept
{
    sqlite3_finalize(stmt);
}

connection::connection(const std::filesystem::path& path, access mode)
{
    sqlite3* db = nullptr;
    int rc = sqlite3_open_v2(path.c_str(), &db, open_flags(mode), nullptr);
    db_.reset(db); // SQLite may return a handle even on failure; it must be closed
    if (rc != SQLITE_OK) {
        throw sqlite_error(rc, "opening " + path.string());
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, busy_timeout_ms);
}

query connection::prepare(std::string_view sql)
{
    auto it = statements_.find(sql);
    if (it == statements_.end()) {
        sqlite3_stmt* stmt = nullptr;
        int rc = sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
        if (rc != SQLITE_OK) {
            throw sqlite_error(rc, sqlite3_errmsg(db_.get()));
        }
        it = statements_.emplace(std::string(sql), statement(stmt)).first;
    }
    return query(it->second.get());
}

void connection::execute_script(const std::string& sql)
{
    char* message = nullptr;
    int rc = sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
        std::string text = message != nullptr ? message : sqlite3_errstr(rc);
        sqlite3_free(message);
        throw sqlite_error(rc, text);
    }
}

int64_t connection::changes() const noexcept
{
    return sqlite3_changes64(db_.get());
}

int64_t connection::total_changes() const noexcept
{
    return sqlite3_total_changes64(db_.get());
}

int64_t connection::last_insert_rowid() const noexcept
{
    return sqlite3_last_insert_rowid(db_.get());
}

std::filesystem::path connection::wal_path() const
{
    return sqlite3_filename_wal(sqlite3_db_filename(db_.get(), "main"));
}

bool connection::in_transaction() const noexcept
{
    return sqlite3_get_autocommit(db_.get()) == 0;
}

} // namespace mailgate::core::storage::sqlite
