#include <mailgate/sdk/testing/fake_host.hpp>

#include <gtest/gtest.h>

#include <string>

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

TEST(ExampleDriver, EchoesAHostileLineAsAJsonString)
{
    fake_host host;
    auto instance = host.create(host.load_library(EXAMPLE_DRIVER), {{"token", token}});
    auto result = host.post(instance, "hard_bounce \"a\\b\tc", {{"X-Example-Token", token}});
    ASSERT_EQ(result.status, MG_OK);
    ASSERT_EQ(result.rejected.size(), 1u);
    EXPECT_EQ(result.rejected[0].item_json, R"("hard_bounce \"a\\b\u0009c")");
}

TEST(ExampleDriver, RefusesMoreEventsThanItDeclares)
{
    fake_host host;
    const auto& driver = host.load_library(EXAMPLE_DRIVER);
    auto instance = host.create(driver, {{"token", token}});
    std::string body;
    for (uint32_t i = 0; i <= driver.max_callback_events; ++i) {
        body += "delivered a@example.com\n";
    }
    auto result = host.post(instance, body, {{"X-Example-Token", token}});
    EXPECT_EQ(result.status, MG_TOO_MANY_EVENTS);
}

TEST(ExampleDriver, AnswersAnUnauthenticatedProbe)
{
    fake_host host;
    auto instance = host.create(host.load_library(EXAMPLE_DRIVER), {{"token", token}});
    mailgate::sdk::testing::request probe;
    probe.method = "HEAD";
    auto result = host.parse(instance, probe);
    EXPECT_EQ(result.status, MG_OK);
    EXPECT_TRUE(result.events.empty());
}

} // namespace
