#pragma once

// Between the threads that submit writes and a backend's one writer thread: the writer takes
// everything queued (up to a budget) as one group and commits it in one transaction, so many
// concurrent requests share one commit (group commit). Counts what is finished, for flush()
// and pending(). Where another thread reports a group's jobs, no group is taken while it does:
// a job's handler holds up the writer wherever it runs.

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

namespace mailgate::core::storage {

/// `Job` has `std::size_t weight() const`: its share of a group's budget.
template <class Job>
class write_queue {
public:
    using group = std::vector<std::unique_ptr<Job>>;

    explicit write_queue(std::size_t max_group_weight) : max_group_weight_(max_group_weight) {}

    /// THREAD: any.
    void push(std::unique_ptr<Job> job)
    {
        {
            std::lock_guard lock(mutex_);
            queue_.push_back(std::move(job));
            ++submitted_;
        }
        queued_.notify_one();
    }

    /// Waits for work and takes the oldest jobs within the budget (a heavier job goes alone).
    /// Empty only once stopped with nothing left, so everything queued is committed first.
    /// THREAD: the writer.
    group take_group()
    {
        std::unique_lock lock(mutex_);
        queued_.wait(lock, [this] { return queue_.empty() ? stopping_ : !reporting_; });
        group jobs;
        std::size_t weight = 0;
        while (!queue_.empty() &&
               (jobs.empty() || weight + queue_.front()->weight() <= max_group_weight_)) {
            weight += queue_.front()->weight();
            jobs.push_back(std::move(queue_.front()));
            queue_.pop_front();
        }
        return jobs;
    }

    /// After the jobs of a group have reported. THREAD: the writer, or the one that reports.
    void mark_finished(std::size_t count)
    {
        {
            std::lock_guard lock(mutex_);
            finished_ += count;
        }
        finished_changed_.notify_all();
    }

    /// Around a round of job handlers run on a thread other than the writer's; the end counts
    /// `finished` jobs, as mark_finished() does. THREAD: the one that reports.
    void begin_reporting()
    {
        std::lock_guard lock(mutex_);
        reporting_ = true;
    }
    void end_reporting(std::size_t finished)
    {
        {
            std::lock_guard lock(mutex_);
            reporting_ = false;
        }
        queued_.notify_one();
        mark_finished(finished);
    }

    /// take_group() returns empty once the queue is drained. THREAD: any.
    void stop()
    {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        queued_.notify_one();
    }

    /// Returns once every job pushed before the call is finished. THREAD: any but the
    /// writer's (a job's handler must not wait for the writer).
    void flush()
    {
        std::unique_lock lock(mutex_);
        const auto target = submitted_;
        finished_changed_.wait(lock, [&] { return finished_ >= target; });
    }

    /// Jobs pushed and not yet finished. THREAD: any.
    std::size_t pending() const
    {
        std::lock_guard lock(mutex_);
        return static_cast<std::size_t>(submitted_ - finished_);
    }

private:
    const std::size_t max_group_weight_;
    mutable std::mutex mutex_;
    std::condition_variable queued_;
    std::condition_variable finished_changed_;
    std::deque<std::unique_ptr<Job>> queue_;
    uint64_t submitted_ = 0;
    uint64_t finished_ = 0;
    bool stopping_ = false;
    bool reporting_ = false;
};

} // namespace mailgate::core::storage
