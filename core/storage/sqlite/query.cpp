#include "core/storage/sqlite/query.hpp"

#include "core/storage/sqlite/error.hpp"

#include <sqlite3.h>

namespace mailgate::core::storage::sqlite {

query::~query()
{
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

query& query::bind(std::string_view text)
{
    // An empty string_view may have no data; SQLite would bind that as NULL, not ''.
    const char* data = text.data() != nullptr ? text.data() : "";
    // SQLITE_STATIC: the writer binds every column of every event, and a copy of each was a
    // tenth of its time.
    check(sqlite3_bind_text64(stmt_, next_parameter_++, data, text.size(), SQLITE_STATIC,
                              SQLITE_UTF8));
    return *this;
}

query& query::bind_blob(std::string_view bytes)
{
    check(sqlite3_bind_blob64(stmt_, next_parameter_++, bytes.data() != nullptr ? bytes.data() : "",
                              bytes.size(), SQLITE_STATIC));
    return *this;
}

query& query::bind(int64_t value)
{
    check(sqlite3_bind_int64(stmt_, next_parameter_++, value));
    return *this;
}

bool query::step()
{
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) {
        return true;
    }
    if (rc != SQLITE_DONE) {
        check(rc);
    }
    return false;
}

void query::run()
{
    while (step()) {
    }
}

std::string query::text(int column) const
{
    const auto* data = sqlite3_column_text(stmt_, column);
    auto size = static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column));
    return data != nullptr ? std::string(reinterpret_cast<const char*>(data), size) : std::string();
}

int64_t query::integer(int column) const
{
    return sqlite3_column_int64(stmt_, column);
}

bool query::is_null(int column) const
{
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

void query::check(int result_code) const
{
    if (result_code != SQLITE_OK) {
        throw sqlite_error(result_code, sqlite3_errmsg(sqlite3_db_handle(stmt_)));
    }
}

} // namespace mailgate::core::storage::sqlite
