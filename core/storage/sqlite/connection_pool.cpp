#include "core/storage/sqlite/connection_pool.hpp"

#include <algorithm>

namespace mailgate::core::storage::sqlite {

connection_pool::connection_pool(const std::filesystem::path& path, std::size_t size)
{
    for (std::size_t i = 0; i < std::max<std::size_t>(size, 1); ++i) {
        idle_.push_back(std::make_unique<connection>(path, access::read_only));
    }
}

connection_pool::lease connection_pool::acquire()
{
    std::unique_lock lock(mutex_);
    returned_.wait(lock, [this] { return !idle_.empty(); });
    auto db = std::move(idle_.back());
    idle_.pop_back();
    return lease(*this, std::move(db));
}

void connection_pool::give_back(std::unique_ptr<connection> db) noexcept
{
    {
        std::lock_guard lock(mutex_);
        idle_.push_back(std::move(db)); // never reallocates: it held this one before
    }
    returned_.notify_one();
}

} // namespace mailgate::core::storage::sqlite
