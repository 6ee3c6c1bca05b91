// A mailbox poller in a process of its own, for the test that kills it with SIGKILL
// (poller_crash_test.cpp): it polls the Dovecot of the test with a real SQLite store for its
// cursor, and a sink that stores each bounce once (by the hash of its text, INSERT OR IGNORE,
// as the gateway stores each bounce once by its content key) after `delay_ms`, recording every
// handing too. It runs until it is killed.
//
//   imap_poller_child PORT USER PASSWORD_FILE FOLDER DELAY_MS

#include "core/imap/cursor_store.hpp"
#include "core/imap/mailbox_poller.hpp"
#include "core/metrics/registry.hpp"
#include "core/storage/sqlite_store.hpp"
#include "poller_test_support.hpp"

#include <sqlite3.h>

#include <cstdio>
#include <functional>
#include <stdexcept>
#include <thread>

namespace {

using namespace mailgate;

void exec(sqlite3* db, const std::string& sql)
{
    char* error = nullptr;
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
        const std::string what = error != nullptr ? error : "?";
        sqlite3_free(error);
        throw std::runtime_error(what);
    }
}

void record(sqlite3* db, const char* sql, const std::string& hash)
{
    sqlite3_stmt* statement = nullptr;
    sqlite3_prepare_v2(db, sql, -1, &statement, nullptr);
    sqlite3_bind_text(statement, 1, hash.c_str(), -1, SQLITE_TRANSIENT);
    const int rc = sqlite3_step(statement);
    sqlite3_finalize(statement);
    if (rc != SQLITE_DONE) {
        throw std::runtime_error(sqlite3_errmsg(db));
    }
}

} // namespace

int main(int argc, char** argv)
{
    if (argc != 6) {
        std::fprintf(stderr, "usage: imap_poller_child PORT USER PASSWORD_FILE FOLDER DELAY_MS\n");
        return 2;
    }
    const std::filesystem::path folder = argv[4];
    const auto delay = std::chrono::milliseconds(std::stoi(argv[5]));

    core::storage::sqlite_options options;
    options.path = folder / "mailgate.db";
    auto store = core::storage::open_sqlite_store(options);
    core::imap::store_cursors cursors(*store);

    sqlite3* handled = nullptr;
    sqlite3_open((folder / "handled.db").c_str(), &handled);
    exec(handled, "PRAGMA synchronous = FULL;"
                  "CREATE TABLE IF NOT EXISTS handed (n INTEGER PRIMARY KEY, hash TEXT NOT NULL);"
                  "CREATE TABLE IF NOT EXISTS stored (hash TEXT PRIMARY KEY)");

    core::bounces::message_sink sink = [&](std::string raw, std::string,
                                           core::bounces::sink_done done) {
        const auto hash = std::to_string(std::hash<std::string>{}(test::without_cr(raw)));
        record(handled, "INSERT INTO handed (hash) VALUES (?)", hash);
        if (!test::is_bounce(raw)) {
            done({}, core::bounces::sink_outcome::not_bounce);
            return;
        }
        std::this_thread::sleep_for(delay);
        record(handled, "INSERT OR IGNORE INTO stored (hash) VALUES (?)", hash);
        done({}, core::bounces::sink_outcome::handled);
    };

    core::config::bounce_mailbox_config config;
    config.name = "crash";
    config.host = "127.0.0.1";
    config.port = static_cast<uint16_t>(std::stoi(argv[1]));
    config.security = core::config::imap_security::none;
    config.user = argv[2];
    config.poll_interval = std::chrono::milliseconds(200);
    config.timeout = std::chrono::seconds(5);
    core::metrics::registry metrics;
    core::imap::mailbox_poller poller(config, test::read_file(argv[3]), cursors, sink, metrics);
    poller.start();
    for (;;) {
        std::this_thread::sleep_for(std::chrono::hours(1));
    }
}
