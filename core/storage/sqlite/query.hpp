#pragma once

// One use of a prepared statement. The statement itself stays with its connection, prepared
// once; a query binds, steps and reads it, then resets it when it goes. Resetting matters: a
// statement left in the middle of its rows keeps its read transaction open, which pins that WAL
// snapshot (later reads on the connection would see stale data) and stops checkpoints.

#include <cstdint>
#include <string>
#include <string_view>

struct sqlite3_stmt;

namespace mailgate::core::storage::sqlite {

class query {
public:
    explicit query(sqlite3_stmt* stmt) noexcept : stmt_(stmt) {}
    ~query();
    query(const query&) = delete;
    query& operator=(const query&) = delete;

    /// Binds the next parameter (the first call binds ?1). Throws sqlite_error. Text and
    /// bytes are not copied: they must outlive the query, as a full expression's temporaries
    /// do in `db.prepare(...).bind(...).run()`.
    query& bind(std::string_view text);
    query& bind(int64_t value);
    /// Binds bytes as a BLOB.
    query& bind_blob(std::string_view bytes);

    /// True when a row is ready, false when the statement is done. Throws sqlite_error.
    bool step();
    /// Steps to the end, for statements whose rows do not matter.
    void run();

    std::string text(int column) const;
    int64_t integer(int column) const;
    bool is_null(int column) const;

private:
    void check(int result_code) const;

    sqlite3_stmt* stmt_;
    int next_parameter_ = 1;
};

} // namespace mailgate::core::storage::sqlite
