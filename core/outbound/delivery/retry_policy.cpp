#include "core/outbound/delivery/retry_policy.hpp"

#include <algorithm>

namespace mailgate::core::outbound::delivery {

std::optional<int64_t> retry_policy::next_attempt(int64_t attempts, int64_t created_at, int64_t now,
                                                  std::mt19937_64& random) const
{
    const int64_t deadline = created_at + max_age.count();
    if (now >= deadline) {
        return std::nullopt;
    }
    // Twenty doublings pass any sensible cap; more could overflow the shift.
    const int64_t doublings = std::clamp<int64_t>(attempts - 1, 0, 20);
    const int64_t base = std::min<int64_t>(max.count(), initial.count() << doublings);
    std::uniform_int_distribution<int64_t> jitter(base / 2, base);
    return std::min(now + jitter(random), deadline);
}

} // namespace mailgate::core::outbound::delivery
