#pragma once

// Mailgun signs a webhook's timestamp and token, not its event, so a captured signature could
// be attached to other event data while its timestamp is fresh. Mailgun's guide suggests
// remembering each token and refusing its reuse; this is that memory, per driver instance.

#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace mailgun {

/// The most recent webhook tokens, each with the event it carried. THREADS: admit() may be
/// called from any thread, concurrently; the state is behind one lock. Memory is bounded by
/// `capacity` tokens; the oldest are forgotten first.
class replay_guard {
public:
    /// `capacity` 0 turns the guard off: every token is admitted.
    explicit replay_guard(std::size_t capacity) : capacity_(capacity) {}

    /// Whether `token` may carry the event `event_id`: the first time a token is seen (it is
    /// then remembered with the event), and again with the same event, which is a retry of one
    /// delivery; not with another event.
    bool admit(std::string_view token, std::string_view event_id);

private:
    std::mutex mutex_;
    std::size_t capacity_;
    std::unordered_map<std::string, std::string> events_; ///< token -> event id
    std::deque<std::string> order_;                       ///< tokens, oldest first
};

} // namespace mailgun
