#pragma once

// Threads for the work a request handler cannot do on its I/O thread: a driver's
// parse_callback and the store's synchronous reads and writes. Either may take as long as the
// driver or the database wants; on an I/O thread that would stop every connection the thread
// serves (with server.threads of them busy, /healthz included). Both the threads and the queue
// are bounded, so a flood of slow work is refused at once instead of piling up (run_blocking).

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace mailgate::core::workers {

/// The gateway's defaults are server.workers, server.worker_queue and server.handler_timeout
/// (config::server_config).
struct blocking_pool_options {
    std::size_t workers = 1;     ///< threads
    std::size_t queue_limit = 0; ///< jobs waiting for a thread; beyond it try_submit refuses
    /// How long a request waits for its job (queued and running) before it is answered 503.
    std::chrono::milliseconds deadline{0};
};

class blocking_pool {
public:
    explicit blocking_pool(blocking_pool_options options);
    /// stop().
    ~blocking_pool();

    blocking_pool(const blocking_pool&) = delete;
    blocking_pool& operator=(const blocking_pool&) = delete;

    /// Queues `job` for a worker, or returns false when queue_limit jobs already wait (or the
    /// pool stopped). THREAD: any.
    bool try_submit(std::function<void()> job);

    /// Lets the jobs under way finish, drops those still queued, and joins the workers.
    /// Jobs post their results to I/O contexts: call it before those are destroyed.
    /// Idempotent. THREAD: not a worker.
    void stop();

    const blocking_pool_options& options() const noexcept { return options_; }

private:
    void work();

    blocking_pool_options options_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::function<void()>> queue_;
    bool stopping_ = false;
    std::vector<std::thread> workers_;
};

} // namespace mailgate::core::workers
