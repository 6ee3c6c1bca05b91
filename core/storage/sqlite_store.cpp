#include "core/storage/sqlite_store.hpp"

#include "core/base/clock.hpp"
#include "core/log/log.hpp"
#include "core/storage/sqlite/connection.hpp"
#include "core/storage/sqlite/connection_pool.hpp"
#include "core/storage/sqlite/migrations.hpp"
#include "core/storage/sqlite/queue_jobs.hpp"
#include "core/storage/sqlite/reads.hpp"
#include "core/storage/sqlite/write_job.hpp"
#include "core/storage/sqlite/writer.hpp"

#include <sqlite3.h>

#include <future>
#include <mutex>
#include <stdexcept>

namespace mailgate::core::storage {
namespace {

void require_wal(sqlite::connection& db)
{
    auto q = db.prepare("PRAGMA journal_mode = WAL");
    std::string mode = q.step() ? q.text(0) : "";
    if (mode != "wal") {
        throw std::runtime_error("cannot use write-ahead logging (journal mode: " + mode + ")");
    }
}

// SQLite keeps allocation statistics under a global mutex by default, taken on every malloc;
// nothing here reads them. A process-wide setting, valid only before SQLite initialises.
void configure_sqlite_once()
{
    static std::once_flag once;
    std::call_once(once, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

std::unique_ptr<sqlite::connection> open_writer_connection(const std::filesystem::path& path)
{
    configure_sqlite_once();
    auto db = std::make_unique<sqlite::connection>(path, sqlite::access::read_write);
    // For a new file only (an existing one keeps its size). The writer's cost grows with the
    // pages a group dirties, each written to the log as a frame of its own: with 16 KiB pages a
    // batch of events touches a quarter as many of them as with the 4 KiB default
    // (scripts/bench/run_callbacks.sh shows the difference). It must come before WAL, which
    // fixes the size.
    db->execute_script("PRAGMA page_size = 16384");
    require_wal(*db);
    // The idempotency and address indexes take random keys (hashes): a page cache far above
    // SQLite's 2 MiB default keeps their inner pages in memory instead of re-reading them
    // for every lookup and batch, and a larger auto-checkpoint (128 MiB of log) writes the database
    // file less often. Debian builds SQLite with SECURE_DELETE, which rewrites every page a sent
    // message's content leaves with zeros: two more pages in the WAL per message. FAST still zeroes
    // what it can without extra I/O; freed pages keep old bytes until the next message's
    // content takes them, which in a queue is soon.
    db->execute_script("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;"
                       "PRAGMA cache_size = -65536; PRAGMA wal_autocheckpoint = 8192;"
                       "PRAGMA mmap_size = 268435456; PRAGMA secure_delete = FAST");
    int version = sqlite::migrate(*db);
    log::get("storage")->info("opened {} (schema version {})", path.string(), version);
    // From here on a commit does not wait for the disk: the writer's wal_syncer fsyncs the log
    // once per round of groups and reports each job only then, so the gateway still answers
    // 2xx only for durable writes. NORMAL keeps the file consistent (SQLite syncs the log
    // before each checkpoint); the syncer adds the durability.
    db->execute_script("PRAGMA synchronous = NORMAL");
    return db;
}

class sqlite_store final : public store {
public:
    explicit sqlite_store(const sqlite_options& options)
        : writer_(open_writer_connection(options.path), options.commit_latency,
                  options.max_batch_events, options.index_batch),
          readers_(options.path, options.read_connections)
    {
    }

    void apply(std::vector<events::routed_event> batch, commit_handler done) override
    {
        writer_.submit(sqlite::make_batch_job(std::move(batch), std::move(done)));
    }

    std::optional<suppression> find_suppression(const std::string& email, std::string_view stream,
                                                int64_t now) override
    {
        return sqlite::select_suppression(*readers_.acquire(), email, stream, now);
    }

    std::vector<suppression> address_suppressions(const std::string& email) override
    {
        return sqlite::select_address_suppressions(*readers_.acquire(), email);
    }

    std::vector<suppression_record> suppression_history(const std::string& email,
                                                        std::size_t limit) override
    {
        return sqlite::select_suppression_history(*readers_.acquire(), email, limit);
    }

    std::vector<rule_counter> rule_counters(const std::string& email) override
    {
        return sqlite::select_rule_counters(*readers_.acquire(), email);
    }

    std::vector<suppression> list_suppressions(const suppression_filter& filter) override
    {
        return sqlite::select_suppressions(*readers_.acquire(), filter);
    }

    void put_suppression(const suppression& s) override { put_suppressions({s}); }

    void put_suppressions(const std::vector<suppression>& entries) override
    {
        std::promise<void> done;
        auto committed = done.get_future();
        writer_.submit(sqlite::make_put_suppressions_job(entries, std::move(done)));
        committed.get();
    }

    std::size_t remove_suppression(const std::string& email, std::string_view stream,
                                   const std::string& source, const std::string& note) override
    {
        std::promise<std::size_t> done;
        auto removed = done.get_future();
        writer_.submit(sqlite::make_remove_suppression_job(
            {email, std::string(stream), source, note, base::unix_ms_now()}, std::move(done)));
        return removed.get();
    }

    std::optional<mailbox_cursor> find_mailbox_cursor(const std::string& mailbox) override
    {
        return sqlite::select_mailbox_cursor(*readers_.acquire(), mailbox);
    }

    void put_mailbox_cursor(const std::string& mailbox, const mailbox_cursor& c) override
    {
        std::promise<void> done;
        auto committed = done.get_future();
        writer_.submit(
            sqlite::make_put_mailbox_cursor_job(mailbox, c, base::unix_ms_now(), std::move(done)));
        committed.get();
    }

    std::vector<stored_event> list_events(const event_filter& filter) override
    {
        return sqlite::select_events(*readers_.acquire(), filter);
    }

    campaign_report report(const std::string& campaign_id) override
    {
        return sqlite::select_report(*readers_.acquire(), campaign_id);
    }

    void enqueue(std::vector<queued_message> messages, done_handler done) override
    {
        writer_.submit(sqlite::make_enqueue_job(std::move(messages), std::move(done)));
    }

    void claim(const std::string& owner, std::size_t max, int64_t now, int64_t lease_until,
               claim_handler done) override
    {
        writer_.submit(sqlite::make_claim_job(owner, max, now, lease_until, std::move(done)));
    }

    std::size_t release(const std::string& owner) override
    {
        std::promise<std::size_t> done;
        auto released = done.get_future();
        writer_.submit(sqlite::make_release_job(owner, std::move(done)));
        return released.get();
    }

    void record(std::vector<delivery_outcome> outcomes, done_handler done) override
    {
        writer_.submit(sqlite::make_record_job(std::move(outcomes), std::move(done)));
    }

    std::optional<queued_message> find_message(const std::string& id) override
    {
        return sqlite::select_message(*readers_.acquire(), id);
    }

    int64_t queued_count() override { return sqlite::count_queued(*readers_.acquire()); }

    std::vector<queue_row> queue_summary() override
    {
        return sqlite::select_queue_summary(*readers_.acquire());
    }

    void flush() override { writer_.flush(); }

    std::size_t pending() const override { return writer_.pending(); }

    std::optional<std::string> write_failure() const override { return writer_.write_failure(); }

private:
    // The writer first: it creates the file, turns WAL on and migrates before readers open.
    // Destroyed last, its destructor commits whatever is still queued.
    sqlite::writer writer_;
    sqlite::connection_pool readers_;
};

} // namespace

std::unique_ptr<store> open_sqlite_store(const sqlite_options& options)
{
    try {
        if (options.path.has_parent_path()) {
            std::filesystem::create_directories(options.path.parent_path());
        }
        return std::make_unique<sqlite_store>(options);
    } catch (const std::exception& e) {
        throw std::runtime_error("cannot open the SQLite store " + options.path.string() + ": " +
                                 e.what());
    }
}

} // namespace mailgate::core::storage
