#include <mailgate/sdk/testing/fake_host.hpp>

#include <gtest/gtest.h>

namespace {

using mailgate::sdk::testing::fake_host;

const std::string token = "0123456789abcdef";

TEST(ExampleDriver, EmitsOneEventPerLine)
{
    fake_host host;
    auto instance = host.create(host.load_library(EXAMPLE_DRIVER), {{"token", token}});
    auto result = host.post(instance, "hard_bounce a@example.com\nwhatever b@example.com",
                            {{"X-Example-Token", token}});
    ASSERT_EQ(result.status, MG_OK);
    ASSERT_EQ(result.events.size(), 1u);
    EXPECT_EQ(result.events[0].kind, MG_EVENT_HARD_BOUNCE);
    EXPECT_EQ(result.events[0].email, "a@example.com");
    ASSERT_EQ(result.rejected.size(), 1u);
    EXPECT_EQ(result.rejected[0].reason, "Could not map event to any bounce type");
}

TEST(ExampleDriver, RefusesAWrongToken)
{
    fake_host host;
    auto instance = host.create(host.load_library(EXAMPLE_DRIVER), {{"token", token}});
    auto result = host.post(instance, "hard_bounce a@example.com", {{"X-Example-Token", "nope"}});
    EXPECT_EQ(result.status, MG_UNAUTHORIZED);
    EXPECT_TRUE(result.events.empty());
}

TEST(ExampleDriver, RefusesAShortToken)
{
    fake_host host;
    const auto& driver = host.load_library(EXAMPLE_DRIVER);
    EXPECT_THROW(host.create(driver, {{"token", "short"}}), std::runtime_error);
    EXPECT_THROW(host.create(driver), std::runtime_error) << "token is required";
}

} // namespace
