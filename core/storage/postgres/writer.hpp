#pragma once

// The one thread of a node that writes. It takes everything queued (up to an event budget) and
// commits it in one transaction of two round trips (group commit). A transaction that loses a
// deadlock or serialization conflict to another node runs again; when a job fails, the group
// runs again job by job under savepoints: that one is undone and told so, the others commit.
// A lost connection fails the group in hand and is reopened for the next.

#include "core/metrics/registry.hpp"
#include "core/storage/postgres/connection.hpp"
#include "core/storage/postgres/write_job.hpp"
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

namespace mailgate::core::storage::postgres {

class writer {
public:
    /// `db`: migrated. `commit_latency` may be null; it gets one observation per committed
    /// transaction.
    writer(std::unique_ptr<connection> db, metrics::histogram* commit_latency,
           std::size_t max_group_events);
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
    /// Throws postgres_error when the transaction failed as a whole.
    std::vector<std::error_code> commit_together(const group& jobs);
    std::vector<std::error_code> commit_one_by_one(const group& jobs);
    std::error_code run_in_savepoint(write_job& job);
    void observe_latency(std::chrono::steady_clock::time_point start) const noexcept;

    std::unique_ptr<connection> db_;
    metrics::histogram* commit_latency_;
    std::shared_ptr<spdlog::logger> log_;
    write_queue<write_job> queue_;
    write_health health_;
    std::thread thread_; // last: it starts once everything above exists
};

} // namespace mailgate::core::storage::postgres
