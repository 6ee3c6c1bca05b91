#include "core/storage/sqlite/wal_syncer.hpp"

#include "core/log/log.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <cerrno>

namespace mailgate::core::storage::sqlite {
namespace {

std::error_code last_error()
{
    return {errno, std::system_category()};
}

int open_or_throw(const std::filesystem::path& path, int flags)
{
    const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
    if (fd < 0) {
        throw std::system_error(last_error(), "opening " + path.string());
    }
    return fd;
}

// The log may have been created just now: its directory entry must be durable too, or a power
// cut could take the whole file with everything synced into it.
void sync_directory(const std::filesystem::path& dir)
{
    const int fd = open_or_throw(dir.empty() ? "." : dir, O_RDONLY | O_DIRECTORY);
    const int rc = ::fsync(fd);
    const auto error = last_error();
    ::close(fd);
    if (rc != 0) {
        throw std::system_error(error, "syncing " + dir.string());
    }
}

} // namespace

wal_syncer::wal_syncer(const std::filesystem::path& wal, write_queue<write_job>& queue,
                       metrics::histogram* commit_latency)
    : queue_(queue), commit_latency_(commit_latency), log_(log::get("storage"))
{
    sync_directory(wal.parent_path());
    fd_ = open_or_throw(wal, O_RDONLY);
    thread_ = std::thread([this] { run(); });
}

wal_syncer::~wal_syncer()
{
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    handed_over_.notify_one();
    thread_.join();
    ::close(fd_);
}

void wal_syncer::hand_over(committed_group group)
{
    {
        std::lock_guard lock(mutex_);
        pending_.push_back(std::move(group));
    }
    handed_over_.notify_one();
}

std::error_code wal_syncer::failure() const noexcept
{
    const int failed = failed_errno_.load(std::memory_order_acquire);
    return failed == 0 ? std::error_code() : std::error_code(failed, std::system_category());
}

void wal_syncer::run() noexcept
{
    pthread_setname_np(pthread_self(), "mg-wal-sync");
    std::vector<committed_group> groups;
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            handed_over_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
            if (pending_.empty()) {
                return; // stopping, with nothing left to report
            }
            groups.swap(pending_);
        }
        report(groups, sync());
        groups.clear(); // the jobs' memory is freed here, not on the writer's thread
    }
}

std::error_code wal_syncer::sync() noexcept
{
    if (auto failed = failure()) {
        return failed;
    }
    if (::fdatasync(fd_) == 0) {
        return {};
    }
    const auto error = last_error();
    failed_errno_.store(error.value(), std::memory_order_release);
    log_->critical("syncing the write-ahead log failed ({}): every write is refused from now on; "
                   "check the disk, then restart",
                   error.message());
    return error;
}

void wal_syncer::report(std::vector<committed_group>& groups, std::error_code sync_error) noexcept
{
    const auto durable_at = std::chrono::steady_clock::now();
    std::size_t reported = 0;
    queue_.begin_reporting();
    for (auto& group : groups) {
        // Counted before the jobs hear of it, so whoever a job answers sees its commit counted.
        if (commit_latency_ != nullptr && !sync_error) {
            commit_latency_->observe(
                std::chrono::duration<double>(durable_at - group.started).count());
        }
        for (std::size_t i = 0; i < group.jobs.size(); ++i) {
            group.jobs[i]->finish(group.errors[i] ? group.errors[i] : sync_error);
        }
        reported += group.jobs.size();
    }
    queue_.end_reporting(reported);
}

} // namespace mailgate::core::storage::sqlite
