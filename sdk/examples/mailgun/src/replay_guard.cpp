#include "replay_guard.hpp"

namespace mailgun {

bool replay_guard::admit(std::string_view token, std::string_view event_id)
{
    if (capacity_ == 0) {
        return true;
    }
    std::string key(token);
    std::lock_guard<std::mutex> lock(mutex_);
    auto found = events_.find(key);
    if (found != events_.end()) {
        return found->second == event_id;
    }
    if (order_.size() >= capacity_) {
        events_.erase(order_.front());
        order_.pop_front();
    }
    events_.emplace(key, std::string(event_id));
    order_.push_back(std::move(key));
    return true;
}

} // namespace mailgun
