#pragma once

// Whether a store's writes are failing: its last transaction failed and none committed since
// (a full disk, a read-only or lost database). /healthz reports it, so that a gateway that
// answers every callback with a 500 is not taken for a healthy one. It heals with the next
// write that commits.

#include <algorithm>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

namespace mailgate::core::storage {

class write_health {
public:
    /// The outcome of one transaction, one error per job: failing when every job failed,
    /// healthy when any committed and the transaction `wrote` a row. A transaction that wrote
    /// nothing (a claim that found no message) needs no space, so it proves nothing.
    /// THREAD: the writer.
    void record(const std::vector<std::error_code>& errors, bool wrote)
    {
        const bool any_committed =
            std::any_of(errors.begin(), errors.end(), [](const auto& e) { return !e; });
        if (errors.empty() || (any_committed && !wrote)) {
            return;
        }
        std::lock_guard lock(mutex_);
        if (any_committed) {
            failure_.reset();
        } else {
            failure_ = errors.front().message();
        }
    }

    /// Why writes are failing, or nothing. THREAD: any.
    std::optional<std::string> failure() const
    {
        std::lock_guard lock(mutex_);
        return failure_;
    }

private:
    mutable std::mutex mutex_;
    std::optional<std::string> failure_;
};

} // namespace mailgate::core::storage
