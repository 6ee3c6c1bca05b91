#include "core/outbound/mime/random_token.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <set>

namespace mailgate::core::outbound::mime {
namespace {

bool url_safe(const std::string& token)
{
    return std::all_of(token.begin(), token.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_';
    });
}

TEST(RandomToken, Is128BitsOfBase64url)
{
    const std::string token = random_token();

    EXPECT_EQ(token.size(), 22u);
    EXPECT_TRUE(url_safe(token)) << token;
    EXPECT_NE(token, random_token());
}

TEST(TimeOrderedToken, StartsWithTheTimeInHexAndIsUrlSafe)
{
    const std::string token = time_ordered_token(0x0123'4567'89ab);

    EXPECT_EQ(token.size(), 28u);
    EXPECT_EQ(token.substr(0, 12), "0123456789ab");
    EXPECT_TRUE(url_safe(token)) << token;
}

TEST(TimeOrderedToken, SortsByTimeAcrossEveryRandomPart)
{
    // 2026 and the next millisecond, and a date a century on: byte order is time order.
    const int64_t now = 1'795'000'000'000;
    for (int i = 0; i < 1000; ++i) {
        EXPECT_LT(time_ordered_token(now), time_ordered_token(now + 1));
    }
    EXPECT_LT(time_ordered_token(now), time_ordered_token(now + 3'155'760'000'000));
}

TEST(TimeOrderedToken, DiffersWithinOneMillisecond)
{
    std::set<std::string> seen;
    for (int i = 0; i < 10'000; ++i) {
        seen.insert(time_ordered_token(42));
    }

    EXPECT_EQ(seen.size(), 10'000u);
}

} // namespace
} // namespace mailgate::core::outbound::mime
