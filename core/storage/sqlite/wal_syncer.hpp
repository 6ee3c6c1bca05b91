#pragma once

// The second stage of the writer's pipeline. The writer commits a group without waiting for the
// disk (synchronous = NORMAL) and hands it over; this thread makes the write-ahead log durable
// with one fdatasync for every group handed over since its last, and only then reports each
// job. So the writer runs the next group while the disk syncs the previous one, and no job hears
// "committed" before its writes, and everything committed before them, would survive a power
// cut. Reporting also frees the groups' jobs, off the writer's thread.

#include "core/metrics/registry.hpp"
#include "core/storage/sqlite/write_job.hpp"
#include "core/storage/write_queue.hpp"

#include <spdlog/logger.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace mailgate::core::storage::sqlite {

/// A group the writer has committed (or failed), waiting to be made durable and reported.
struct committed_group {
    write_queue<write_job>::group jobs;
    /// One per job: its own failure, or none when its writes are in the committed transaction.
    std::vector<std::error_code> errors;
    std::chrono::steady_clock::time_point started;
};

class wal_syncer {
public:
    /// `wal`: the database's write-ahead log, which must exist (SQLite keeps it while any
    /// connection is open, and the writer's stays open). `queue` hears of each round of reports.
    /// `commit_latency` may be null; it observes each group from its start until durable.
    /// Throws std::system_error when the log or its folder cannot be opened and synced.
    wal_syncer(const std::filesystem::path& wal, write_queue<write_job>& queue,
               metrics::histogram* commit_latency);
    /// Syncs and reports everything handed over, then stops the thread.
    ~wal_syncer();
    wal_syncer(const wal_syncer&) = delete;
    wal_syncer& operator=(const wal_syncer&) = delete;

    /// THREAD: the writer.
    void hand_over(committed_group group);
    /// Set for good once a sync failed: after a failed fdatasync the kernel may have dropped the
    /// pages, so no later sync can prove anything durable. THREAD: any.
    std::error_code failure() const noexcept;

private:
    void run() noexcept;
    std::error_code sync() noexcept;
    void report(std::vector<committed_group>& groups, std::error_code sync_error) noexcept;

    int fd_ = -1;
    write_queue<write_job>& queue_;
    metrics::histogram* commit_latency_;
    std::shared_ptr<spdlog::logger> log_;
    std::mutex mutex_;
    std::condition_variable handed_over_;
    std::vector<committed_group> pending_;
    bool stopping_ = false;
    std::atomic<int> failed_errno_{0};
    std::thread thread_; // last: it starts once everything above exists
};

} // namespace mailgate::core::storage::sqlite
