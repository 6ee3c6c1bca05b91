#pragma once

// PostgreSQL for tests: the server scripts/lib/postgres.sh starts, or any other one named by
// MAILGATE_TEST_POSTGRES_URL. Suites skip their PostgreSQL cases when the variable is unset;
// scripts/test.sh always sets it. Each test works in a schema of its own, dropped afterwards,
// so tests neither see each other's rows nor leave any behind.

#include <libpq-fe.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <unistd.h>

namespace mailgate::test {

/// MAILGATE_TEST_POSTGRES_URL, or nothing when it is unset or empty.
inline std::optional<std::string> postgres_test_url()
{
    const char* url = std::getenv("MAILGATE_TEST_POSTGRES_URL");
    if (url == nullptr || *url == '\0') {
        return std::nullopt;
    }
    return url;
}

/// `url` (key=value pairs or a URI) as key=value pairs, with `overrides` set.
inline std::string with_parameters(const std::string& url,
                                   const std::map<std::string, std::string>& overrides)
{
    char* error = nullptr;
    std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
        PQconninfoParse(url.c_str(), &error), &PQconninfoFree);
    PQfreemem(error);
    if (!options) {
        throw std::runtime_error("MAILGATE_TEST_POSTGRES_URL is not a connection string");
    }
    std::map<std::string, std::string> values;
    for (auto* o = options.get(); o->keyword != nullptr; ++o) {
        if (o->val != nullptr) {
            values[o->keyword] = o->val;
        }
    }
    for (const auto& [key, value] : overrides) {
        values[key] = value;
    }
    std::string out;
    for (const auto& [key, value] : values) {
        out += (out.empty() ? "" : " ") + key + "='";
        for (char c : value) {
            out += (c == '\'' || c == '\\') ? std::string{'\\', c} : std::string{c};
        }
        out += '\'';
    }
    return out;
}

/// Runs `sql` on a connection of its own; the first column of its first row, or "". Throws
/// std::runtime_error with the server's message.
inline std::string run_sql(const std::string& url, const std::string& sql)
{
    std::unique_ptr<PGconn, decltype(&PQfinish)> db(PQconnectdb(url.c_str()), &PQfinish);
    if (PQstatus(db.get()) != CONNECTION_OK) {
        throw std::runtime_error(std::string("cannot connect: ") + PQerrorMessage(db.get()));
    }
    PQsetNoticeProcessor(
        db.get(), [](void*, const char*) {}, nullptr); // "drop cascades to"
    std::unique_ptr<PGresult, decltype(&PQclear)> r(PQexec(db.get(), sql.c_str()), &PQclear);
    const auto status = PQresultStatus(r.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        throw std::runtime_error(sql + ": " + PQresultErrorMessage(r.get()));
    }
    return PQntuples(r.get()) > 0 ? PQgetvalue(r.get(), 0, 0) : "";
}

/// A new schema in the test database, dropped with everything in it when destroyed. Its url
/// makes it the search path, so unqualified tables are created and found there.
class scratch_schema {
public:
    /// Throws std::runtime_error when MAILGATE_TEST_POSTGRES_URL is unset or unusable.
    scratch_schema()
    {
        static std::atomic<int> counter{0};
        const auto base = postgres_test_url();
        if (!base) {
            throw std::runtime_error("MAILGATE_TEST_POSTGRES_URL is not set");
        }
        base_ = *base;
        name_ = "mg_test_" + std::to_string(getpid()) + "_" + std::to_string(++counter);
        run_sql(base_, "CREATE SCHEMA " + name_);
        url_ = with_parameters(base_, {{"options", "-csearch_path=" + name_}});
    }
    ~scratch_schema()
    {
        try {
            run_sql(base_, "DROP SCHEMA " + name_ + " CASCADE");
        } catch (const std::exception&) {
            // The server is gone (a test stopped it): its folder goes with it.
        }
    }
    scratch_schema(const scratch_schema&) = delete;
    scratch_schema& operator=(const scratch_schema&) = delete;

    const std::string& url() const noexcept { return url_; }
    const std::string& name() const noexcept { return name_; }

private:
    std::string base_;
    std::string name_;
    std::string url_;
};

} // namespace mailgate::test
