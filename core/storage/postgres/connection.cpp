#include "core/storage/postgres/connection.hpp"

#include "core/log/log.hpp"
#include "core/storage/postgres/error.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <array>
#include <optional>

namespace mailgate::core::storage::postgres {
namespace {

// Defaults before the operator's string, which overrides them; the encoding after it: every
// text column is read and written as UTF-8. Keepalives notice a server that went away
// without closing the connection (a crashed host) in about a minute instead of two hours.
constexpr std::array default_keys{"application_name", "connect_timeout", "keepalives_idle",
                                  "keepalives_interval", "keepalives_count"};
constexpr std::array default_values{"mailgate", "10", "30", "10", "3"};

std::string trimmed(const char* message)
{
    std::string out = message != nullptr ? message : "";
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) {
        out.pop_back();
    }
    return out;
}

// The primary message only: DETAIL may quote the row (an address, a message id).
postgres_error error_of(const PGresult* r)
{
    const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    const char* message = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    return postgres_error(state != nullptr ? state : sqlstate::connection_failure,
                          message != nullptr ? message : trimmed(PQresultErrorMessage(r)));
}

bool failed(ExecStatusType status)
{
    return status == PGRES_FATAL_ERROR || status == PGRES_BAD_RESPONSE ||
           status == PGRES_NONFATAL_ERROR;
}

// The server's notices ("already exists, skipping") are for a person at psql, not the log.
void log_notice(void*, const char* message)
{
    log::get("storage")->debug("postgres: {}", trimmed(message));
}

// A malformed string would be quoted in libpq's message, password and all.
void check_parses(const std::string& conninfo)
{
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
    PQfreemem(error);
    if (options == nullptr) {
        throw postgres_error(sqlstate::connection_failure,
                             "the connection string is neither key=value pairs nor a "
                             "postgresql:// URI that libpq accepts");
    }
    PQconninfoFree(options);
}

} // namespace

void connection::finish::operator()(pg_conn* c) const noexcept
{
    PQfinish(c);
}

connection::connection(std::string conninfo) : conninfo_(std::move(conninfo))
{
    check_parses(conninfo_);
    connect();
}

void connection::connect()
{
    std::vector<const char*> keys(default_keys.begin(), default_keys.end());
    std::vector<const char*> values(default_values.begin(), default_values.end());
    keys.insert(keys.end(), {"dbname", "client_encoding", nullptr});
    values.insert(values.end(), {conninfo_.c_str(), "UTF8", nullptr});
    prepared_.clear();
    conn_.reset(PQconnectdbParams(keys.data(), values.data(), 1));
    if (!conn_ || PQstatus(conn_.get()) != CONNECTION_OK) {
        fail("connecting");
    }
    PQsetNoticeProcessor(conn_.get(), &log_notice, nullptr);
    // Writes go out without blocking, so a long pipeline cannot deadlock against a server that
    // is itself waiting for its results to be read (see flush_output).
    if (PQsetnonblocking(conn_.get(), 1) != 0) {
        fail("setting up the connection");
    }
    // The gateway answers 2xx once a commit returns: whatever the server's default, that must
    // mean durable. A transaction here waits on the server only between its two round trips:
    // one left idle longer is a node that froze holding row locks other nodes wait for.
    execute("SET synchronous_commit = on; SET idle_in_transaction_session_timeout = '10s'");
}

void connection::reconnect()
{
    connect();
}

void connection::rollback() noexcept
{
    if (lost() || PQtransactionStatus(conn_.get()) == PQTRANS_IDLE) {
        return;
    }
    result r(PQexec(conn_.get(), "ROLLBACK"));
    if (r.get() == nullptr || PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
        conn_.reset();
    }
}

bool connection::lost() const noexcept
{
    return !conn_ || PQstatus(conn_.get()) == CONNECTION_BAD;
}

std::string connection::describe() const
{
    return std::string(PQdb(conn_.get())) + " on " + PQhost(conn_.get()) + ":" +
           PQport(conn_.get());
}

int connection::server_version() const noexcept
{
    return PQserverVersion(conn_.get());
}

void connection::fail(const char* doing) const
{
    throw postgres_error(sqlstate::connection_failure,
                         std::string(doing) + ": " +
                             (conn_ ? trimmed(PQerrorMessage(conn_.get())) : "out of memory"));
}

void connection::execute(const std::string& sql)
{
    result r(PQexec(conn_.get(), sql.c_str()));
    const PGresult* raw = r.get();
    if (raw == nullptr) {
        fail("running a statement");
    }
    if (failed(PQresultStatus(raw))) {
        throw error_of(raw);
    }
}

const std::string& connection::prepared_name(std::string_view sql, int parameters, bool pipelined)
{
    auto it = prepared_.find(sql);
    if (it != prepared_.end()) {
        return it->second;
    }
    std::string name = "mg" + std::to_string(prepared_.size() + 1);
    const std::string text(sql);
    if (pipelined) {
        if (PQsendPrepare(conn_.get(), name.c_str(), text.c_str(), parameters, nullptr) != 1) {
            fail("sending a statement");
        }
        sent_.push_back({true, std::string(sql)});
    } else {
        result r(PQprepare(conn_.get(), name.c_str(), text.c_str(), parameters, nullptr));
        if (r.get() == nullptr) {
            fail("preparing a statement");
        }
        if (failed(PQresultStatus(r.get()))) {
            throw error_of(r.get());
        }
    }
    return prepared_.emplace(text, std::move(name)).first->second;
}

result connection::query(std::string_view sql, const params& values)
{
    const std::string& name = prepared_name(sql, values.size(), false);
    const auto pointers = values.values();
    const auto lengths = values.lengths();
    result r(PQexecPrepared(conn_.get(), name.c_str(), values.size(), pointers.data(),
                            lengths.data(), values.formats(), 0));
    if (r.get() == nullptr) {
        fail("running a statement");
    }
    if (failed(PQresultStatus(r.get()))) {
        throw error_of(r.get());
    }
    return r;
}

void connection::send(const statement& s)
{
    const std::string& name = prepared_name(s.sql, s.values.size(), true);
    const auto pointers = s.values.values();
    const auto lengths = s.values.lengths();
    if (PQsendQueryPrepared(conn_.get(), name.c_str(), s.values.size(), pointers.data(),
                            lengths.data(), s.values.formats(), 0) != 1) {
        fail("sending a statement");
    }
    sent_.push_back({false, {}});
}

// libpq buffers what it cannot send yet; reading while waiting to write lets the server go on
// producing results (which libpq buffers in turn) instead of both sides waiting on each other.
void connection::flush_output()
{
    for (int rc = PQflush(conn_.get()); rc != 0; rc = PQflush(conn_.get())) {
        pollfd fd{PQsocket(conn_.get()), POLLIN | POLLOUT, 0};
        if (rc < 0 || poll(&fd, 1, -1) < 0 ||
            ((fd.revents & POLLIN) != 0 && PQconsumeInput(conn_.get()) != 1)) {
            fail("sending statements");
        }
    }
}

std::vector<result> connection::run_pipeline(std::span<const statement> statements)
{
    std::optional<postgres_error> first_error;
    std::vector<result> results;
    try {
        sent_.clear();
        if (PQenterPipelineMode(conn_.get()) != 1) {
            fail("entering pipeline mode");
        }
        for (const auto& s : statements) {
            send(s);
        }
        if (PQpipelineSync(conn_.get()) != 1) {
            fail("sending statements");
        }
        flush_output();
        results = read_results(first_error);
    } catch (...) {
        // Results may be left unread, or the pipeline open: the connection is done with.
        conn_.reset();
        throw;
    }
    if (first_error) {
        throw *first_error;
    }
    return results;
}

// After a failed command, the server skips the rest up to the sync (PGRES_PIPELINE_ABORTED).
std::vector<result> connection::read_results(std::optional<postgres_error>& first_error)
{
    std::vector<result> out;
    for (const auto& c : sent_) {
        result r(PQgetResult(conn_.get()));
        if (r.get() == nullptr) {
            fail("reading results");
        }
        while (PGresult* end = PQgetResult(conn_.get())) {
            PQclear(end); // nothing more is expected before the command's NULL
        }
        const auto status = PQresultStatus(r.get());
        if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && !first_error) {
            first_error = status == PGRES_PIPELINE_ABORTED
                              ? postgres_error(sqlstate::connection_failure, "pipeline aborted")
                              : error_of(r.get());
        }
        if (c.prepare) {
            if (status != PGRES_COMMAND_OK) {
                prepared_.erase(c.sql);
            }
        } else {
            out.push_back(std::move(r));
        }
    }
    result sync(PQgetResult(conn_.get()));
    if (sync.get() == nullptr || PQresultStatus(sync.get()) != PGRES_PIPELINE_SYNC ||
        PQexitPipelineMode(conn_.get()) != 1) {
        fail("ending a pipeline");
    }
    return out;
}

} // namespace mailgate::core::storage::postgres
