#include "core/storage/sqlite/writer.hpp"

#include "core/log/log.hpp"
#include "core/storage/sqlite/error.hpp"
#include "core/storage/sqlite/transaction.hpp"

#include <pthread.h>

#include <algorithm>
#include <chrono>
#include <exception>

namespace mailgate::core::storage::sqlite {
namespace {

std::error_code error_of(const std::exception& e)
{
    if (const auto* failure = dynamic_cast<const std::system_error*>(&e)) {
        return failure->code();
    }
    // Besides sqlite_error, the writes only throw std::bad_alloc.
    return std::make_error_code(std::errc::not_enough_memory);
}

} // namespace

writer::writer(std::unique_ptr<connection> db, metrics::histogram* commit_latency,
               std::size_t max_group_events, std::size_t index_batch)
    : db_(std::move(db)), indexes_(index_batch), log_(log::get("storage")),
      queue_(max_group_events), syncer_(db_->wal_path(), queue_, commit_latency),
      thread_([this] { run(); })
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
    if (const auto failed = syncer_.failure()) {
        return "syncing the write-ahead log failed (" + failed.message() + "); restart";
    }
    return health_.failure();
}

void writer::run() noexcept
{
    pthread_setname_np(pthread_self(), "mg-writer");
    for (auto jobs = queue_.take_group(); !jobs.empty(); jobs = queue_.take_group()) {
        const auto started = std::chrono::steady_clock::now();
        // After a failed sync nothing can be made durable: run nothing that would look stored.
        const auto failed = syncer_.failure();
        const auto changed_before = db_->total_changes();
        auto errors = failed ? std::vector<std::error_code>(jobs.size(), failed) : commit(jobs);
        health_.record(errors, db_->total_changes() != changed_before);
        syncer_.hand_over({std::move(jobs), std::move(errors), started});
    }
}

// A failing job is rare: the group runs without savepoints first, and only when a job fails is
// it run again with one savepoint per job, so the failing job is undone alone.
std::vector<std::error_code> writer::commit(const group& jobs)
{
    try {
        transaction tx(*db_);
        indexes_.begin_group(*db_);
        for (const auto& job : jobs) {
            job->run(*db_, indexes_);
        }
        indexes_.write_if_due(*db_);
        tx.commit();
        indexes_.finished(true);
        return std::vector<std::error_code>(jobs.size());
    } catch (const sqlite_error&) {
        indexes_.finished(false);
        // The transaction rolled back; fall through to the job-by-job run.
    } catch (const std::exception& e) {
        indexes_.finished(false);
        log_->error("committing {} write job(s) failed, none applied: {}", jobs.size(), e.what());
        return std::vector<std::error_code>(jobs.size(), error_of(e));
    }
    return commit_with_savepoints(jobs);
}

std::vector<std::error_code> writer::commit_with_savepoints(const group& jobs)
{
    std::vector<std::error_code> errors(jobs.size());
    try {
        transaction tx(*db_);
        indexes_.begin_group(*db_);
        for (std::size_t i = 0; i < jobs.size(); ++i) {
            errors[i] = run_in_savepoint(*jobs[i]);
        }
        indexes_.write_if_due(*db_);
        tx.commit();
        indexes_.finished(true);
    } catch (const std::exception& e) {
        indexes_.finished(false);
        log_->error("committing {} write job(s) failed, none applied: {}", jobs.size(), e.what());
        std::fill(errors.begin(), errors.end(), error_of(e));
    }
    return errors;
}

std::error_code writer::run_in_savepoint(write_job& job)
{
    db_->prepare("SAVEPOINT job").run();
    try {
        job.run(*db_, indexes_);
        db_->prepare("RELEASE SAVEPOINT job").run();
        return {};
    } catch (const sqlite_error& e) {
        if (!db_->in_transaction()) {
            throw; // SQLite rolled the whole transaction back: the group fails
        }
        log_->warn("a write job failed and was undone: {}", e.what());
        db_->prepare("ROLLBACK TO SAVEPOINT job").run();
        indexes_.undone();
        db_->prepare("RELEASE SAVEPOINT job").run();
        return e.code();
    }
}

} // namespace mailgate::core::storage::sqlite
