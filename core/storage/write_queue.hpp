#pragma once

// Between the threads that submit writes and a backend's one writer thread: the writer takes
// everything queued (up to a budget) as one group and commits it in one transaction, so many
// concurrent requests share one commit (group commit). Counts what is finished, for flush()
// and pending(). Where another thread reports a group's jobs, no group is taken while it does:
// a job's handler holds up the writer wherever it runs. Nor is a small group taken while an
// earlier one still waits for its report (see may_take()).

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
        bool wake = false;
        {
            std::lock_guard lock(mutex_);
            queued_weight_ += job->weight();
            queue_.push_back(std::move(job));
            ++submitted_;
            wake = may_take();
        }
        // A writer that may not take yet would only wake to wait again, once per request.
        if (wake) {
            queued_.notify_one();
        }
    }

    /// Waits for work and takes the oldest jobs within the budget (a heavier job goes alone).
    /// Empty only once stopped with nothing left, so everything queued is committed first.
    /// THREAD: the writer.
    group take_group()
    {
        std::unique_lock lock(mutex_);
        queued_.wait(lock, [this] { return queue_.empty() ? stopping_ : may_take(); });
        group jobs;
        std::size_t weight = 0;
        while (!queue_.empty() &&
               (jobs.empty() || weight + queue_.front()->weight() <= max_group_weight_)) {
            weight += queue_.front()->weight();
            jobs.push_back(std::move(queue_.front()));
            queue_.pop_front();
        }
        queued_weight_ -= weight;
        taken_ += jobs.size();
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
        // Not through mark_finished(): a writer woken between clearing `reporting_` and counting
        // the jobs would see the old count, may not take, and sleep with the work queued.
        {
            std::lock_guard lock(mutex_);
            reporting_ = false;
            finished_ += finished;
        }
        queued_.notify_one();
        finished_changed_.notify_all();
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
    // While an earlier group still waits to be reported (its sync is under way), a small group
    // waits too: it could not be answered before the next sync anyway, and the requests that
    // arrive meanwhile join it, so tiny callbacks share one transaction instead of paying one
    // each. A group worth committing at once still overlaps the sync.
    bool may_take() const
    {
        return !reporting_ && (taken_ == finished_ || queued_weight_ >= eager_weight_);
    }

    static constexpr std::size_t eager_weight_ = 256;
    const std::size_t max_group_weight_;
    mutable std::mutex mutex_;
    std::condition_variable queued_;
    std::condition_variable finished_changed_;
    std::deque<std::unique_ptr<Job>> queue_;
    uint64_t submitted_ = 0;
    uint64_t finished_ = 0;
    uint64_t taken_ = 0;
    std::size_t queued_weight_ = 0;
    bool stopping_ = false;
    bool reporting_ = false;
};

} // namespace mailgate::core::storage
