#pragma once

// A server's open connections (HTTP, the SMTP listener): the limit on how many, and the reach
// stop() needs to end the idle ones and to learn when the last one has gone.

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace mailgate::core::net {

class connection {
public:
    virtual ~connection() = default;

    /// Closes the connection if it is waiting for a request; otherwise it closes after
    /// answering the request in progress. THREAD: any.
    virtual void drain() = 0;
};

class connection_registry {
public:
    enum class admission { admitted, full, draining };

    /// Registers `c` unless `limit` connections are open or the registry is draining.
    /// OWNERSHIP: the registry does not keep `c` alive. THREAD: any.
    admission add(const std::shared_ptr<connection>& c, std::size_t limit);

    /// Forgets `c` (a no-op if it was never admitted). THREAD: any.
    void remove(const connection* c);

    std::size_t size() const;
    bool draining() const noexcept { return draining_.load(); }

    /// Admits nothing more and asks every open connection to drain. THREAD: any.
    void drain();

    /// Calls `f` once the registry is draining and empty: at once if it already is, else on
    /// the thread that removes the last connection. A null `f` cancels. THREAD: any.
    void when_empty(std::function<void()> f);

private:
    mutable std::mutex mutex_;
    std::unordered_map<const connection*, std::weak_ptr<connection>> open_;
    std::atomic<bool> draining_{false};
    std::function<void()> on_empty_;
};

} // namespace mailgate::core::net
