// Slow work must not stop the server: the real binary with two I/O threads, a real driver that
// takes its time, and a real database held by another process. Each test fails when a slow
// parse_callback or a stalled store read runs on an I/O thread: /healthz then waits for it.

#include "gateway_process.hpp"

#include "tests/support/postgres_test_database.hpp"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <thread>

namespace mailgate::test {
namespace {

using ::testing::HasSubstr;
using clock_type = std::chrono::steady_clock;

constexpr auto handler_timeout = std::chrono::milliseconds(1500);
// Far under the handler timeout: an answer this quick waited for no slow work.
constexpr auto prompt = std::chrono::milliseconds(700);

const std::string legacy_body =
    R"([{"event":"softbounce","data":[{"e":"ann@example.com","ts":1435322805}]}])";

std::chrono::milliseconds since(clock_type::time_point start)
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - start);
}

struct timed_reply {
    http_reply reply;
    std::chrono::milliseconds took{};
};

timed_reply timed(const std::function<http_reply()>& request)
{
    const auto start = clock_type::now();
    http_reply reply = request();
    return {std::move(reply), since(start)};
}

// A plugins folder with the real legacy driver and the slow fixture driver.
class plugins_folder {
public:
    plugins_folder()
    {
        char pattern[] = "/tmp/mailgate-slow-plugins-XXXXXX";
        dir_ = mkdtemp(pattern);
        for (const std::filesystem::path& file :
             {std::filesystem::path(MAILGATE_PLUGIN_DIR) / "mailgate-legacy.so",
              std::filesystem::path(SLOW_FIXTURE_PLUGIN_DIR) / "mailgate-fixture_slow.so"}) {
            std::filesystem::create_symlink(file, dir_ / file.filename());
        }
    }
    ~plugins_folder() { std::filesystem::remove_all(dir_); }
    plugins_folder(const plugins_folder&) = delete;
    plugins_folder& operator=(const plugins_folder&) = delete;

    std::string path() const { return dir_.string(); }

private:
    std::filesystem::path dir_;
};

gateway_options two_threads(const plugins_folder& plugins, std::string storage_yaml = "")
{
    gateway_options o;
    o.extra_server_yaml =
        "  threads: 2\n  handler_timeout: " + std::to_string(handler_timeout.count()) + "ms\n";
    o.extra_providers_yaml = "  - nickname: slow\n    driver: fixture_slow\n";
    o.storage_yaml = std::move(storage_yaml);
    o.extra_args = {"--plugins", plugins.path()};
    return o;
}

// /healthz answers at once whatever else waits.
void expect_prompt_health(const gateway_process& gw)
{
    const auto health = timed([&] { return gw.request("GET", "/healthz"); });
    EXPECT_EQ(health.reply.status, 200);
    EXPECT_LT(health.took, prompt) << "/healthz waited for the slow work";
}

TEST(SlowWork, SlowDriverCallsAreAnswered503AtTheDeadlineAndBlockNoOtherConnection)
{
    plugins_folder plugins;
    gateway_process gw(two_threads(plugins));

    // Twice as many slow callbacks as I/O threads, each asking for 6 s of driver time.
    std::vector<std::future<timed_reply>> slow;
    for (int i = 0; i < 4; ++i) {
        slow.push_back(std::async(std::launch::async, [&gw] {
            return timed([&gw] {
                return gw.request("POST", "/v1/callbacks/slow", "ann@example.com\n",
                                  {{"X-Fixture-Sleep-Ms", "6000"}});
            });
        }));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300)); // all four in the driver

    expect_prompt_health(gw);
    const auto metrics = timed([&] { return gw.admin("GET", "/metrics"); });
    EXPECT_EQ(metrics.reply.status, 200);
    EXPECT_LT(metrics.took, prompt);
    // A callback to a quick driver is served, and stored, meanwhile.
    const auto quick =
        timed([&] { return gw.request("POST", "/v1/callbacks/legacy", legacy_body); });
    EXPECT_EQ(quick.reply.status, 200) << quick.reply.body;
    EXPECT_LT(quick.took, prompt);

    for (auto& f : slow) {
        const auto r = f.get();
        EXPECT_EQ(r.reply.status, 503) << r.reply.body;
        EXPECT_EQ(r.reply.headers.at("retry-after"), "1");
        EXPECT_GE(r.took, handler_timeout - std::chrono::milliseconds(100));
        EXPECT_LT(r.took, handler_timeout + std::chrono::milliseconds(1500))
            << "answered at the deadline, not when the driver returned";
    }
    // Nothing of a call answered 503 is stored, even once the driver has returned.
    std::this_thread::sleep_for(std::chrono::milliseconds(5000));
    EXPECT_THAT(gw.admin("GET", "/v1/events?provider=slow").body, HasSubstr("\"items\":[]"));
    const std::string log = gw.output();
    EXPECT_THAT(log, HasSubstr("provider 'slow' (fixture_slow@1.0.0): parse_callback: no result "
                               "within 1500 ms (server.handler_timeout): answered 503"));
    EXPECT_THAT(log, HasSubstr("provider 'slow' (fixture_slow@1.0.0): parse_callback: finished "
                               "after"));
}

TEST(SlowWork, AFullWorkerPoolAnswers503AtOnce)
{
    plugins_folder plugins;
    auto options = two_threads(plugins);
    options.extra_server_yaml += "  workers: 1\n  worker_queue: 1\n";
    gateway_process gw(options);

    // One call runs, one waits: the pool is full.
    std::vector<std::future<timed_reply>> slow;
    for (int i = 0; i < 2; ++i) {
        slow.push_back(std::async(std::launch::async, [&gw] {
            return timed([&gw] {
                return gw.request("POST", "/v1/callbacks/slow", "ann@example.com\n",
                                  {{"X-Fixture-Sleep-Ms", "3000"}});
            });
        }));
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    const auto refused =
        timed([&] { return gw.request("POST", "/v1/callbacks/slow", "bob@example.com\n"); });
    EXPECT_EQ(refused.reply.status, 503);
    EXPECT_LT(refused.took, prompt) << "refused at once, not at the deadline";
    EXPECT_THAT(gw.output(), HasSubstr("all 1 workers busy and 1 calls queued"));
    for (auto& f : slow) {
        EXPECT_EQ(f.get().reply.status, 503);
    }
}

// Another process holds every lock of the SQLite database's WAL index (the -shm file's lock
// bytes, 120 to 127: writer, checkpointer, recovery, the five read marks), as a process stuck
// in a checkpoint or a recovery would: every read waits (SQLITE_BUSY, the busy handler) until
// it lets go.
class wal_index_lock {
public:
    explicit wal_index_lock(const std::filesystem::path& database)
        : fd_(::open((database.string() + "-shm").c_str(), O_RDWR))
    {
        struct flock lock {};
        lock.l_type = F_WRLCK;
        lock.l_whence = SEEK_SET;
        lock.l_start = 120;
        lock.l_len = 8;
        if (fd_ < 0 || ::fcntl(fd_, F_SETLKW, &lock) != 0) {
            throw std::runtime_error("cannot lock the WAL index of " + database.string());
        }
    }
    ~wal_index_lock() { ::close(fd_); } // and with it the lock
    wal_index_lock(const wal_index_lock&) = delete;
    wal_index_lock& operator=(const wal_index_lock&) = delete;

private:
    int fd_;
};

// Four admin reads during the stall (twice the I/O threads), then the other routes.
void expect_stalled_reads_block_nothing_else(const gateway_process& gw)
{
    std::vector<std::future<timed_reply>> reads;
    for (int i = 0; i < 4; ++i) {
        reads.push_back(std::async(std::launch::async, [&gw] {
            return timed([&gw] { return gw.admin("GET", "/v1/events"); });
        }));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    expect_prompt_health(gw);
    // /metrics reads the store too (the queue depth): it waits its turn, within the deadline.
    const auto metrics = timed([&] { return gw.admin("GET", "/metrics"); });
    EXPECT_THAT(metrics.reply.status, ::testing::AnyOf(200, 503));
    EXPECT_LT(metrics.took, handler_timeout + std::chrono::milliseconds(1500));
    for (auto& f : reads) {
        const auto r = f.get();
        EXPECT_EQ(r.reply.status, 503) << r.reply.body;
        EXPECT_LT(r.took, handler_timeout + std::chrono::milliseconds(1500));
    }
    EXPECT_THAT(gw.output(),
                HasSubstr("route /v1/events: no result within 1500 ms (server.handler_timeout)"));
}

TEST(SlowWork, ASqliteStallDoesNotStopHealthz)
{
    plugins_folder plugins;
    gateway_process gw(two_threads(plugins));
    ASSERT_EQ(gw.request("POST", "/v1/callbacks/legacy", legacy_body).status, 200);

    {
        wal_index_lock lock(gw.dir() / "var/mailgate.db");
        expect_stalled_reads_block_nothing_else(gw);
    }
    // Once the other process lets go, the reads work again.
    const auto after = gw.admin("GET", "/v1/events");
    EXPECT_EQ(after.status, 200) << after.body;
    EXPECT_THAT(after.body, HasSubstr("ann@example.com"));
}

// Another session takes the events table for itself until it rolls back.
class postgres_table_lock {
public:
    postgres_table_lock(const std::string& url, const std::string& table)
        : db_(PQconnectdb(url.c_str()), &PQfinish)
    {
        if (PQstatus(db_.get()) != CONNECTION_OK) {
            throw std::runtime_error(std::string("cannot connect: ") + PQerrorMessage(db_.get()));
        }
        exec("BEGIN");
        exec("LOCK TABLE " + table + " IN ACCESS EXCLUSIVE MODE");
    }
    ~postgres_table_lock() { PQclear(PQexec(db_.get(), "ROLLBACK")); }
    postgres_table_lock(const postgres_table_lock&) = delete;
    postgres_table_lock& operator=(const postgres_table_lock&) = delete;

private:
    void exec(const std::string& sql)
    {
        std::unique_ptr<PGresult, decltype(&PQclear)> r(PQexec(db_.get(), sql.c_str()), &PQclear);
        if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
            throw std::runtime_error(sql + ": " + PQresultErrorMessage(r.get()));
        }
    }
    std::unique_ptr<PGconn, decltype(&PQfinish)> db_;
};

TEST(SlowWork, APostgresStallDoesNotStopHealthz)
{
    if (!postgres_test_url()) {
        GTEST_SKIP() << "MAILGATE_TEST_POSTGRES_URL is not set (scripts/test.sh sets it)";
    }
    scratch_schema schema;
    setenv("MAILGATE_SLOW_WORK_PG_URL", schema.url().c_str(), 1);
    plugins_folder plugins;
    gateway_process gw(
        two_threads(plugins, "storage:\n  backend: postgres\n  url: env:MAILGATE_SLOW_WORK_PG_URL\n"
                             "  pool_size: 2\n"));
    ASSERT_EQ(gw.request("POST", "/v1/callbacks/legacy", legacy_body).status, 200);

    {
        postgres_table_lock lock(schema.url(), "events");
        expect_stalled_reads_block_nothing_else(gw);
    }
    const auto after = gw.admin("GET", "/v1/events");
    EXPECT_EQ(after.status, 200) << after.body;
    EXPECT_THAT(after.body, HasSubstr("ann@example.com"));
}

} // namespace
} // namespace mailgate::test
