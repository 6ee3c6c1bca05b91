#pragma once

// The policy's `alert` action: a receiver that refused the sender (its reputation, policy or
// content) says nothing about the recipient, so such events suppress nobody; they are counted
// per provider, receiving domain and reason, and logged, so that the operator hears of a block
// before the whole list bounces.

#include "core/events/event.hpp"
#include "core/metrics/registry.hpp"

#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace mailgate::core::alerts {

class sender_refusals {
public:
    /// `metrics` must outlive the counter.
    explicit sender_refusals(metrics::registry& metrics);

    /// Counts and logs each event of `batch` the policy marked `alert`. THREAD: any.
    void report(const std::vector<events::routed_event>& batch);

private:
    struct pending {
        std::chrono::steady_clock::time_point last_logged{};
        uint64_t since_logged = 0;
    };

    void count(const events::gateway_event& ev);
    std::string domain_label(const std::string& email);

    metrics::counter_family refusals_;
    std::mutex mutex_;
    /// One entry a (provider, domain, reason): a block storm logs a line a minute, not a line an
    /// event.
    std::map<std::string, pending, std::less<>> logged_;
    std::set<std::string> domains_; ///< those with a series of their own
};

} // namespace mailgate::core::alerts
