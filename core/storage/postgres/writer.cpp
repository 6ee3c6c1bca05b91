#include "core/storage/postgres/writer.hpp"

#include "core/log/log.hpp"
#include "core/storage/postgres/error.hpp"

#include <pthread.h>

namespace mailgate::core::storage::postgres {
namespace {

// A deadlock or serialization failure is another node's transaction winning: running again
// normally succeeds at once. The bound only keeps a pathological case from spinning forever.
constexpr int max_attempts = 5;

std::error_code error_of(const std::exception& e)
{
    if (const auto* failure = dynamic_cast<const std::system_error*>(&e)) {
        return failure->code();
    }
    // Besides postgres_error, the writes only throw std::bad_alloc and std::runtime_error for
    // a result they cannot read.
    return std::make_error_code(std::errc::io_error);
}

// A failure that says nothing about one job: the group as a whole is retried or failed.
bool affects_all(std::error_code code)
{
    return is_transient(code) || is_connection_lost(code);
}

} // namespace

writer::writer(std::unique_ptr<connection> db, metrics::histogram* commit_latency,
               std::size_t max_group_events)
    : db_(std::move(db)), commit_latency_(commit_latency), log_(log::get("storage")),
      queue_(max_group_events), thread_([this] { run(); })
{
}

writer::~writer()
{
    queue_.stop();
    thread_.join();
}

void writer::submit(std::unique_ptr<write_job> job)
{
    queue_.push(std::move(job));
}

void writer::flush()
{
    queue_.flush();
}

std::size_t writer::pending() const
{
    return queue_.pending();
}

std::optional<std::string> writer::write_failure() const
{
    return health_.failure();
}

void writer::run() noexcept
{
    pthread_setname_np(pthread_self(), "mg-pg-writer");
    for (auto jobs = queue_.take_group(); !jobs.empty(); jobs = queue_.take_group()) {
        auto errors = commit(jobs);
        // The writer's transactions do not count their rows: any that commits is taken as
        // proof.
        health_.record(errors, true);
        // Outside any lock: a handler may submit more, or ask for pending().
        for (std::size_t i = 0; i < jobs.size(); ++i) {
            jobs[i]->finish(errors[i]);
        }
        queue_.mark_finished(jobs.size());
    }
}

std::vector<std::error_code> writer::commit(const group& jobs)
{
    const auto start = std::chrono::steady_clock::now();
    bool together = true;
    for (int attempt = 1;; ++attempt) {
        try {
            if (db_->lost()) {
                db_->reconnect();
            }
            auto errors = together ? commit_together(jobs) : commit_one_by_one(jobs);
            observe_latency(start);
            return errors;
        } catch (const std::exception& e) {
            db_->rollback();
            const auto code = error_of(e);
            if (is_transient(code) && attempt < max_attempts) {
                log_->debug("running {} write job(s) again: {}", jobs.size(), e.what());
                continue;
            }
            if (together && dynamic_cast<const postgres_error*>(&e) != nullptr &&
                !affects_all(code)) {
                together = false; // find the job that failed
                continue;
            }
            log_->error("committing {} write job(s) failed, none applied: {}", jobs.size(),
                        e.what());
            return std::vector<std::error_code>(jobs.size(), code);
        }
    }
}

std::vector<std::error_code> writer::commit_together(const group& jobs)
{
    write_set writes;
    for (const auto& job : jobs) {
        job->plan(writes);
    }
    writes.run(*db_, "BEGIN", "COMMIT");
    return std::vector<std::error_code>(jobs.size());
}

// A failing job is rare: only then does the group run again with one savepoint per job.
std::vector<std::error_code> writer::commit_one_by_one(const group& jobs)
{
    std::vector<std::error_code> errors(jobs.size());
    db_->execute("BEGIN");
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        errors[i] = run_in_savepoint(*jobs[i]);
    }
    db_->execute("COMMIT");
    return errors;
}

std::error_code writer::run_in_savepoint(write_job& job)
{
    try {
        write_set writes;
        job.plan(writes);
        writes.run(*db_, "SAVEPOINT job", "RELEASE SAVEPOINT job");
        return {};
    } catch (const postgres_error& e) {
        if (affects_all(e.code())) {
            throw;
        }
        log_->warn("a write job failed and was undone: {}", e.what());
        db_->execute("ROLLBACK TO SAVEPOINT job; RELEASE SAVEPOINT job");
        return e.code();
    }
}

void writer::observe_latency(std::chrono::steady_clock::time_point start) const noexcept
{
    if (commit_latency_ != nullptr) {
        std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
        commit_latency_->observe(elapsed.count());
    }
}

} // namespace mailgate::core::storage::postgres
