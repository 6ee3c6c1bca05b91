#include "core/outbound/delivery/retry_policy.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <set>

namespace mailgate::core::outbound::delivery {
namespace {

using namespace std::chrono_literals;

constexpr int64_t created = 1'700'000'000'000;

class RetryPolicy : public ::testing::Test {
protected:
    retry_policy policy_{1min, 1h, 72h};
    std::mt19937_64 random_{42};

    /// The delay after `attempts` attempts, at `now`.
    int64_t delay(int64_t attempts, int64_t now = created)
    {
        auto next = policy_.next_attempt(attempts, created, now, random_);
        EXPECT_TRUE(next.has_value());
        return next.value_or(0) - now;
    }
};

TEST_F(RetryPolicy, TheFirstRetryWaitsBetweenHalfAndTheWholeInitialDelay)
{
    for (int i = 0; i < 200; ++i) {
        auto d = delay(1);
        EXPECT_GE(d, 30'000);
        EXPECT_LE(d, 60'000);
    }
}

TEST_F(RetryPolicy, DelaysDoubleWithEachAttempt)
{
    for (int i = 0; i < 200; ++i) {
        auto third = delay(3);
        EXPECT_GE(third, 2 * 60'000);
        EXPECT_LE(third, 4 * 60'000);
    }
}

TEST_F(RetryPolicy, JitterSpreadsRetriesOfABurst)
{
    std::set<int64_t> seen;
    for (int i = 0; i < 50; ++i) {
        seen.insert(delay(2));
    }
    EXPECT_GT(seen.size(), 40u) << "a refused burst must not come back as one burst";
}

TEST_F(RetryPolicy, DelaysStopGrowingAtTheCap)
{
    for (int64_t attempts : {int64_t{7}, int64_t{30}, int64_t{1000}, INT64_MAX}) {
        auto d = delay(attempts);
        EXPECT_GE(d, 30 * 60'000) << attempts;
        EXPECT_LE(d, 60 * 60'000) << attempts;
    }
}

TEST_F(RetryPolicy, TheLastAttemptFallsOnTheMaximumAgeAndThenItGivesUp)
{
    const int64_t deadline = created + 72 * 3'600'000LL;
    auto last = policy_.next_attempt(20, created, deadline - 1'000, random_);
    ASSERT_TRUE(last);
    EXPECT_EQ(*last, deadline);
    EXPECT_FALSE(policy_.next_attempt(21, created, deadline, random_));
    EXPECT_FALSE(policy_.next_attempt(21, created, deadline + 1, random_));
}

} // namespace
} // namespace mailgate::core::outbound::delivery
