#include "core/storage/postgres/connection_pool.hpp"

#include <algorithm>

namespace mailgate::core::storage::postgres {

connection_pool::connection_pool(std::string conninfo, std::size_t size)
    : conninfo_(std::move(conninfo)), size_(std::max<std::size_t>(size, 1))
{
    idle_.reserve(size_);
}

connection_pool::lease connection_pool::acquire()
{
    auto db = take_idle();
    try {
        if (!db) {
            db = std::make_unique<connection>(conninfo_);
        } else if (db->lost()) {
            db->reconnect();
        }
    } catch (...) {
        if (!db) {
            forget_one();
        } else {
            give_back(std::move(db)); // stays lost: the next lease tries again
        }
        throw;
    }
    return lease(*this, std::move(db));
}

std::unique_ptr<connection> connection_pool::take_idle()
{
    std::unique_lock lock(mutex_);
    returned_.wait(lock, [this] { return !idle_.empty() || open_ < size_; });
    if (idle_.empty()) {
        ++open_;
        return nullptr;
    }
    auto db = std::move(idle_.back());
    idle_.pop_back();
    return db;
}

void connection_pool::give_back(std::unique_ptr<connection> db) noexcept
{
    {
        std::lock_guard lock(mutex_);
        idle_.push_back(std::move(db)); // never reallocates: reserved for every connection
    }
    returned_.notify_one();
}

void connection_pool::forget_one() noexcept
{
    {
        std::lock_guard lock(mutex_);
        --open_;
    }
    returned_.notify_one();
}

} // namespace mailgate::core::storage::postgres
