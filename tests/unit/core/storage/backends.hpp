#pragma once

// The storage backends every contract suite runs against. A backend joins by being listed in
// all_backends().

#include "core/metrics/registry.hpp"
#include "core/storage/postgres_store.hpp"
#include "core/storage/sqlite/connection.hpp"
#include "core/storage/sqlite_store.hpp"
#include "core/storage/store.hpp"
#include "tests/support/postgres_test_database.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <vector>

namespace mailgate::core::storage::test {

struct backend {
    std::string name;
    /// Opens the store under test on a fresh `folder` (a backend without files derives its
    /// database from it). Opening the same folder again opens the same data.
    std::function<std::unique_ptr<store>(const std::filesystem::path& folder,
                                         metrics::histogram* commit_latency)>
        open;
    /// Why the backend cannot run here (the suites skip it), or empty.
    std::string unavailable;
    /// Runs SQL on the folder's database behind the store's back: how a test makes a database
    /// an older version left.
    std::function<void(const std::filesystem::path& folder, const std::string& sql)> execute;
    /// The schema version from which reports count reasons.
    int reason_counters_version = 0;
};

// Names the backend in test output instead of dumping its bytes.
inline void PrintTo(const backend& b, std::ostream* out)
{
    *out << b.name;
}

inline backend sqlite_backend()
{
    return {"sqlite",
            [](const std::filesystem::path& folder, metrics::histogram* commit_latency) {
                sqlite_options options;
                options.path = folder / "mailgate.db";
                options.commit_latency = commit_latency;
                return open_sqlite_store(options);
            },
            "",
            [](const std::filesystem::path& folder, const std::string& sql) {
                sqlite::connection db(folder / "mailgate.db", sqlite::access::read_write);
                db.execute_script(sql);
            },
            9};
}

/// The folder's schema, made on first use and dropped when the process exits: opening the same
/// folder again opens the same data.
inline const mailgate::test::scratch_schema& schema_for(const std::filesystem::path& folder)
{
    static std::mutex mutex;
    static std::map<std::filesystem::path, std::unique_ptr<mailgate::test::scratch_schema>> schemas;
    std::lock_guard lock(mutex);
    auto& schema = schemas[folder];
    if (!schema) {
        schema = std::make_unique<mailgate::test::scratch_schema>();
    }
    return *schema;
}

inline backend postgres_backend()
{
    return {"postgres",
            [](const std::filesystem::path& folder, metrics::histogram* commit_latency) {
                postgres_options options;
                options.url = schema_for(folder).url();
                options.commit_latency = commit_latency;
                options.pool_size = 2;
                return open_postgres_store(options);
            },
            mailgate::test::postgres_test_url()
                ? ""
                : "MAILGATE_TEST_POSTGRES_URL is not set (scripts/test.sh starts a server and "
                  "sets it)",
            [](const std::filesystem::path& folder, const std::string& sql) {
                mailgate::test::run_sql(schema_for(folder).url(), sql);
            },
            6};
}

inline auto all_backends()
{
    return ::testing::Values(sqlite_backend(), postgres_backend());
}

inline std::string name_of(const ::testing::TestParamInfo<backend>& info)
{
    return info.param.name;
}

} // namespace mailgate::core::storage::test
