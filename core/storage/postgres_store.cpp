#include "core/storage/postgres_store.hpp"

#include "core/base/clock.hpp"
#include "core/log/log.hpp"
#include "core/storage/postgres/connection.hpp"
#include "core/storage/postgres/connection_pool.hpp"
#include "core/storage/postgres/error.hpp"
#include "core/storage/postgres/migrations.hpp"
#include "core/storage/postgres/queue_jobs.hpp"
#include "core/storage/postgres/reads.hpp"
#include "core/storage/postgres/write_job.hpp"
#include "core/storage/postgres/writer.hpp"

#include <future>
#include <stdexcept>
#include <type_traits>

namespace mailgate::core::storage {
namespace {

// MATERIALIZED common table expressions (the events insert) came with PostgreSQL 12.
constexpr int oldest_server = 120000;

std::unique_ptr<postgres::connection> open_writer_connection(const std::string& url)
{
    auto db = std::make_unique<postgres::connection>(url);
    if (db->server_version() < oldest_server) {
        throw std::runtime_error("PostgreSQL 12 or newer is needed; the server is version " +
                                 std::to_string(db->server_version()));
    }
    const int version = postgres::migrate(*db);
    log::get("storage")->info("opened PostgreSQL database {} (schema version {})", db->describe(),
                              version);
    return db;
}

class postgres_store final : public store {
public:
    explicit postgres_store(const postgres_options& options)
        : writer_(open_writer_connection(options.url), options.commit_latency,
                  options.max_batch_events),
          readers_(options.url, options.pool_size)
    {
    }

    void apply(std::vector<events::routed_event> batch, commit_handler done) override
    {
        writer_.submit(postgres::make_batch_job(std::move(batch), std::move(done)));
    }

    std::optional<suppression> find_suppression(const std::string& email, std::string_view stream,
                                                int64_t now) override
    {
        return read([&](postgres::connection& db) {
            return postgres::select_suppression(db, email, stream, now);
        });
    }

    std::vector<suppression> address_suppressions(const std::string& email) override
    {
        return read([&](postgres::connection& db) {
            return postgres::select_address_suppressions(db, email);
        });
    }

    std::vector<suppression_record> suppression_history(const std::string& email,
                                                        std::size_t limit) override
    {
        return read([&](postgres::connection& db) {
            return postgres::select_suppression_history(db, email, limit);
        });
    }

    std::vector<rule_counter> rule_counters(const std::string& email) override
    {
        return read(
            [&](postgres::connection& db) { return postgres::select_rule_counters(db, email); });
    }

    std::vector<suppression> list_suppressions(const suppression_filter& filter) override
    {
        return read(
            [&](postgres::connection& db) { return postgres::select_suppressions(db, filter); });
    }

    void put_suppression(const suppression& s) override { put_suppressions({s}); }

    void put_suppressions(const std::vector<suppression>& entries) override
    {
        std::promise<void> done;
        auto committed = done.get_future();
        writer_.submit(postgres::make_put_suppressions_job(entries, std::move(done)));
        committed.get();
    }

    std::size_t remove_suppression(const std::string& email, std::string_view stream,
                                   const std::string& source, const std::string& note) override
    {
        std::promise<std::size_t> done;
        auto removed = done.get_future();
        writer_.submit(postgres::make_remove_suppression_job(
            {email, std::string(stream), source, note, base::unix_ms_now()}, std::move(done)));
        return removed.get();
    }

    std::optional<mailbox_cursor> find_mailbox_cursor(const std::string& mailbox) override
    {
        return read(
            [&](postgres::connection& db) { return postgres::select_mailbox_cursor(db, mailbox); });
    }

    void put_mailbox_cursor(const std::string& mailbox, const mailbox_cursor& c) override
    {
        std::promise<void> done;
        auto committed = done.get_future();
        writer_.submit(postgres::make_put_mailbox_cursor_job(mailbox, c, std::move(done)));
        committed.get();
    }

    std::vector<stored_event> list_events(const event_filter& filter) override
    {
        return read([&](postgres::connection& db) { return postgres::select_events(db, filter); });
    }

    campaign_report report(const std::string& campaign_id) override
    {
        return read(
            [&](postgres::connection& db) { return postgres::select_report(db, campaign_id); });
    }

    void enqueue(std::vector<queued_message> messages, done_handler done) override
    {
        writer_.submit(postgres::make_enqueue_job(std::move(messages), std::move(done)));
    }

    void claim(const std::string& owner, std::size_t max, int64_t now, int64_t lease_until,
               claim_handler done) override
    {
        writer_.submit(postgres::make_claim_job(owner, max, now, lease_until, std::move(done)));
    }

    std::size_t release(const std::string& owner) override
    {
        std::promise<std::size_t> done;
        auto released = done.get_future();
        writer_.submit(postgres::make_release_job(owner, std::move(done)));
        return released.get();
    }

    void record(std::vector<delivery_outcome> outcomes, done_handler done) override
    {
        writer_.submit(postgres::make_record_job(std::move(outcomes), std::move(done)));
    }

    std::optional<queued_message> find_message(const std::string& id) override
    {
        return read([&](postgres::connection& db) { return postgres::select_message(db, id); });
    }

    int64_t queued_count() override
    {
        return read([](postgres::connection& db) { return postgres::count_queued(db); });
    }

    std::vector<queue_row> queue_summary() override
    {
        return read([](postgres::connection& db) { return postgres::select_queue_summary(db); });
    }

    void flush() override { writer_.flush(); }

    std::size_t pending() const override { return writer_.pending(); }

    std::optional<std::string> write_failure() const override { return writer_.write_failure(); }

private:
    // Reads change nothing: one that finds its connection gone (the server restarted since it
    // was last used) runs again on a new one instead of failing.
    template <class Read>
    std::invoke_result_t<Read&, postgres::connection&> read(Read read_with)
    {
        for (int attempt = 1;; ++attempt) {
            auto db = readers_.acquire();
            try {
                return read_with(*db);
            } catch (const postgres::postgres_error& e) {
                if (attempt > 1 || !postgres::is_connection_lost(e.code())) {
                    throw;
                }
            }
        }
    }

    // The writer first: it migrates before any read runs. Destroyed last, its destructor
    // commits whatever is still queued.
    postgres::writer writer_;
    postgres::connection_pool readers_;
};

} // namespace

std::unique_ptr<store> open_postgres_store(const postgres_options& options)
{
    try {
        return std::make_unique<postgres_store>(options);
    } catch (const std::exception& e) {
        throw std::runtime_error(std::string("cannot open the PostgreSQL store: ") + e.what());
    }
}

} // namespace mailgate::core::storage
