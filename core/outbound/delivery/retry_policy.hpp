#pragma once

// When a transiently failed message is tried again: exponential backoff with jitter, so a
// provider that refused a burst is not hit by the same burst again, up to a maximum age after
// which the message fails. Pure, for the tests.

#include "core/config/gateway_config.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>

namespace mailgate::core::outbound::delivery {

/// Defaults are the configuration's (config::outbound_config).
struct retry_policy {
    std::chrono::milliseconds initial = config::outbound_config{}.retry_initial;
    std::chrono::milliseconds max = config::outbound_config{}.retry_max;
    std::chrono::milliseconds max_age = config::outbound_config{}.max_age;

    /// When to try again after `attempts` attempts of a message accepted at `created_at`, at
    /// `now` (Unix ms): base delay initial * 2^(attempts-1) capped at max, the half above the
    /// base's half drawn at random, and never past the maximum age; nothing when the message
    /// has reached it. THREAD: any (the generator is the caller's).
    std::optional<int64_t> next_attempt(int64_t attempts, int64_t created_at, int64_t now,
                                        std::mt19937_64& random) const;
};

} // namespace mailgate::core::outbound::delivery
