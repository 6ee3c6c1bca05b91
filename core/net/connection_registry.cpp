#include "core/net/connection_registry.hpp"

#include <vector>

namespace mailgate::core::net {

connection_registry::admission connection_registry::add(const std::shared_ptr<connection>& c,
                                                        std::size_t limit)
{
    std::lock_guard lock(mutex_);
    if (draining_) {
        return admission::draining;
    }
    if (open_.size() >= limit) {
        return admission::full;
    }
    open_.emplace(c.get(), c);
    return admission::admitted;
}

void connection_registry::remove(const connection* c)
{
    std::function<void()> notify;
    {
        std::lock_guard lock(mutex_);
        if (open_.erase(c) == 0) {
            return;
        }
        if (draining_ && open_.empty()) {
            notify = std::move(on_empty_);
        }
    }
    if (notify) {
        notify();
    }
}

std::size_t connection_registry::size() const
{
    std::lock_guard lock(mutex_);
    return open_.size();
}

void connection_registry::drain()
{
    std::vector<std::shared_ptr<connection>> open;
    {
        std::lock_guard lock(mutex_);
        draining_ = true;
        for (const auto& [key, weak] : open_) {
            if (auto c = weak.lock()) {
                open.push_back(std::move(c));
            }
        }
    }
    // Outside the lock: dropping the last reference to a connection removes it, which locks.
    for (const auto& c : open) {
        c->drain();
    }
}

void connection_registry::when_empty(std::function<void()> f)
{
    {
        std::lock_guard lock(mutex_);
        if (!draining_ || !open_.empty()) {
            on_empty_ = std::move(f);
            return;
        }
        on_empty_ = nullptr;
    }
    if (f) {
        f();
    }
}

} // namespace mailgate::core::net
