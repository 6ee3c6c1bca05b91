#pragma once

// The one thread that writes. It takes everything queued (up to an event budget) and commits
// it in one transaction, so many concurrent requests share one fsync (group commit). When a job
// fails, the group runs again with a savepoint per job: that one is undone and told so, the
// others commit. The fsync is the wal_syncer's: while the disk syncs one group, the writer
// already runs the next, and a group's jobs hear their outcome only once it is durable.

#include "core/metrics/registry.hpp"
#include "core/storage/sqlite/connection.hpp"
#include "core/storage/sqlite/event_indexes.hpp"
#include "core/storage/sqlite/wal_syncer.hpp"
#include "core/storage/sqlite/write_job.hpp"
#include "core/storage/write_health.hpp"
#include "core/storage/write_queue.hpp"

#include <spdlog/logger.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace mailgate::core::storage::sqlite {

class writer {
public:
    /// `db`: configured and migrated, in WAL mode with synchronous = NORMAL (the syncer makes
    /// commits durable). `commit_latency` may be null; it gets one observation per committed
    /// transaction, from its start until durable. Throws std::system_error when the log cannot
    /// be opened for syncing. `index_batch`: events stored between two writes of the event
    /// indexes (event_indexes).
    writer(std::unique_ptr<connection> db, metrics::histogram* commit_latency,
           std::size_t max_group_events, std::size_t index_batch);
    /// Finishes everything submitted, then stops the thread.
    ~writer();
    writer(const writer&) = delete;
    writer& operator=(const writer&) = delete;

    /// THREAD: any.
    void submit(std::unique_ptr<write_job> job);
    /// Returns once every job submitted before the call is finished. THREAD: any but the
    /// writer's (a job's `finish` must not wait for the writer).
    void flush();
    /// Jobs submitted and not yet finished. THREAD: any.
    std::size_t pending() const;
    /// Why writes are failing (write_health), or nothing. THREAD: any.
    std::optional<std::string> write_failure() const;

private:
    using group = write_queue<write_job>::group;

    void run() noexcept;
    /// One error per job: its own, or the transaction's when that failed as a whole.
    std::vector<std::error_code> commit(const group& jobs);
    std::vector<std::error_code> commit_with_savepoints(const group& jobs);
    std::error_code run_in_savepoint(write_job& job);

    std::unique_ptr<connection> db_;
    event_indexes indexes_;
    std::shared_ptr<spdlog::logger> log_;
    write_queue<write_job> queue_;
    write_health health_;
    wal_syncer syncer_;  // stopped after the writer's thread: it reports all that was handed over
    std::thread thread_; // last: it starts once everything above exists
};

} // namespace mailgate::core::storage::sqlite
