#include "core/workers/blocking_pool.hpp"

#include "core/log/log.hpp"

#include <algorithm>

namespace mailgate::core::workers {

blocking_pool::blocking_pool(blocking_pool_options options) : options_(options)
{
    const std::size_t count = std::max<std::size_t>(options_.workers, 1);
    workers_.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        workers_.emplace_back([this] { work(); });
    }
}

blocking_pool::~blocking_pool()
{
    stop();
}

bool blocking_pool::try_submit(std::function<void()> job)
{
    {
        std::lock_guard lock(mutex_);
        if (stopping_ || queue_.size() >= options_.queue_limit) {
            return false;
        }
        queue_.push_back(std::move(job));
    }
    wake_.notify_one();
    return true;
}

void blocking_pool::stop()
{
    std::deque<std::function<void()>> dropped;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        dropped.swap(queue_);
    }
    wake_.notify_all();
    for (auto& worker : workers_) {
        if (worker.joinable()) {
            worker.join();
        }
    }
}

void blocking_pool::work()
{
    for (;;) {
        std::function<void()> job;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) {
                return;
            }
            job = std::move(queue_.front());
            queue_.pop_front();
        }
        // Jobs capture their own failures (run_blocking); this keeps a stray one from ending
        // the process through a worker thread.
        try {
            job();
        } catch (const std::exception& e) {
            log::get("workers")->error("a blocking job failed: {}", e.what());
        } catch (...) {
            log::get("workers")->error("a blocking job failed");
        }
    }
}

} // namespace mailgate::core::workers
