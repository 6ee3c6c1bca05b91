#pragma once

// One libpq connection with its prepared statements. Used by one thread at a time (the
// writer's, or whoever leased it from the pool). Holds the connection string to reconnect:
// it is a secret (it may carry the password) and is never logged.

#include "core/storage/postgres/error.hpp"
#include "core/storage/postgres/params.hpp"
#include "core/storage/postgres/result.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

struct pg_conn;

namespace mailgate::core::storage::postgres {

/// A statement and its parameters, for run_pipeline.
struct statement {
    std::string_view sql; ///< outlives the call
    params values;
};

class connection {
public:
    /// Connects with `conninfo` (a libpq connection string or URI) in UTF-8, with synchronous
    /// commits (a commit returns once it is durable). Throws postgres_error with libpq's
    /// message, which names the server, never the password.
    explicit connection(std::string conninfo);

    /// SQL text of any number of statements, without parameters (schema scripts, BEGIN).
    /// Throws postgres_error.
    void execute(const std::string& sql);

    /// One statement, prepared on first use and kept for the connection's life. Throws
    /// postgres_error.
    result query(std::string_view sql, const params& values = {});

    /// Runs `statements` in one round trip (pipeline mode) and returns their results in order.
    /// Throws postgres_error for the first that failed; the ones after it did not run.
    std::vector<result> run_pipeline(std::span<const statement> statements);

    /// Ends the open transaction, if any, applying nothing of it. When even that fails, the
    /// connection counts as lost.
    void rollback() noexcept;

    /// True once the connection is gone; reconnect() then opens a new one.
    bool lost() const noexcept;
    /// Throws postgres_error.
    void reconnect();

    /// "database on host:port", for logs.
    std::string describe() const;
    int server_version() const noexcept;

private:
    struct finish {
        void operator()(pg_conn* c) const noexcept;
    };
    struct sql_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view sql) const noexcept
        {
            return std::hash<std::string_view>{}(sql);
        }
    };

    /// What a pipeline sent, in order: a statement's PREPARE (when new) or the statement.
    struct command {
        bool prepare = false;
        std::string sql;
    };

    void connect();
    /// The prepared statement's name for `sql`; sends its PREPARE into the pipeline when new.
    const std::string& prepared_name(std::string_view sql, int parameters, bool pipelined);
    void send(const statement& s);
    void flush_output();
    /// Every command's result, in order; the first failure goes to `first_error`.
    std::vector<result> read_results(std::optional<postgres_error>& first_error);
    [[noreturn]] void fail(const char* doing) const;

    std::string conninfo_;
    std::unique_ptr<pg_conn, finish> conn_;
    std::unordered_map<std::string, std::string, sql_hash, std::equal_to<>> prepared_;
    std::vector<command> sent_;
};

} // namespace mailgate::core::storage::postgres
