#include "core/log/log.hpp"
#include "core/plugin/driver_instance.hpp"
#include "core/plugin/driver_registry.hpp"

#include "tests/support/captured_log.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <algorithm>
#include <sstream>
#include <thread>

namespace mailgate::core::plugin {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

using mailgate::test::captured_log;

std::vector<std::string> ids(const driver_registry& r)
{
    std::vector<std::string> out;
    for (const auto& d : r.drivers()) {
        out.push_back(d->id());
    }
    return out;
}

std::string failure_for(const driver_registry& r, const std::string& file_name)
{
    for (const auto& f : r.failures()) {
        if (f.file.filename() == file_name) {
            return f.reason;
        }
    }
    return "(no failure recorded for " + file_name + ")";
}

TEST(DriverRegistry, LoadsTheGoodDriversAndSkipsEachBadFileWithItsReason)
{
    captured_log captured;
    auto registry = driver_registry::scan(FIXTURE_PLUGIN_DIR);

    EXPECT_THAT(ids(registry),
                ElementsAre("fixture_abi11", "fixture_good", "fixture_libcxx", "fixture_throws"));
    EXPECT_EQ(registry.failures().size(), 5u);
    EXPECT_THAT(failure_for(registry, "mailgate-wrong_major.so"), HasSubstr("majors differ"));
    EXPECT_THAT(failure_for(registry, "mailgate-newer_minor.so"),
                HasSubstr("newer than this host's ABI"));
    EXPECT_THAT(failure_for(registry, "mailgate-no_entry.so"), HasSubstr("no mg_driver_entry"));
    EXPECT_THAT(failure_for(registry, "mailgate-not_a_library.so"), HasSubstr("cannot load"));
    EXPECT_THAT(failure_for(registry, "mailgate-zz_duplicate.so"),
                HasSubstr("duplicate driver id 'fixture_good'"));

    // One log line per skipped file, naming the file and the reason.
    const std::string text = captured.text();
    for (const auto& f : registry.failures()) {
        EXPECT_THAT(text, HasSubstr(f.file.string() + ": skipped: " + f.reason));
    }
}

TEST(DriverRegistry, AMissingFolderIsOneFailureNotACrash)
{
    captured_log captured;
    auto registry = driver_registry::scan("/nonexistent/plugins");
    EXPECT_TRUE(registry.drivers().empty());
    ASSERT_EQ(registry.failures().size(), 1u);
    EXPECT_THAT(registry.failures()[0].reason, HasSubstr("does not exist"));
}

TEST(DriverRegistry, ReadsTheDescriptorAndOptionTable)
{
    auto registry = driver_registry::scan(FIXTURE_PLUGIN_DIR);
    auto good = registry.find("fixture_good");
    ASSERT_TRUE(good);
    EXPECT_EQ(good->label(), "fixture_good@2.3.4");
    EXPECT_EQ(good->descriptor().max_callback_events, 5u);
    ASSERT_EQ(good->options().size(), 4u);
    EXPECT_EQ(good->options()[0].name, "endpoint");
    EXPECT_TRUE(good->options()[0].required);
    EXPECT_TRUE(good->options()[3].secret);
    EXPECT_EQ(registry.find("nope"), nullptr);
}

class DriverInstance : public ::testing::Test {
protected:
    driver_registry registry_ = driver_registry::scan(FIXTURE_PLUGIN_DIR);

    std::unique_ptr<driver_instance> make(const std::string& id,
                                          std::map<std::string, std::string> values)
    {
        return std::make_unique<driver_instance>(registry_.find(id), "nick", values);
    }

    static parsed_callback post(const driver_instance& d, std::string_view body,
                                std::string_view method = "POST")
    {
        raw_callback request;
        request.method = method;
        request.body = body;
        return d.parse_callback(request);
    }
};

TEST_F(DriverInstance, ParsesThroughTheAbi)
{
    auto d = make("fixture_good", {{"endpoint", "x"}, {"retries", "3"}, {"verbose", "false"}});
    auto result = post(*d, "a@example.com\nnot-an-address\nb@example.com");
    EXPECT_EQ(result.status, MG_OK);
    ASSERT_EQ(result.events.size(), 2u);
    EXPECT_EQ(result.events[0].kind, MG_EVENT_DELIVERED);
    EXPECT_EQ(result.events[0].email, "a@example.com");
    EXPECT_EQ(result.events[0].occurred_at_s, 3);
    EXPECT_EQ(result.events[1].description, "x");
    EXPECT_EQ(result.events[1].reason, "delivered");
    EXPECT_EQ(result.events[1].smtp_code, 250);
    EXPECT_EQ(result.events[1].status, "2.0.0");
    EXPECT_EQ(result.events[1].remote_mta, "mx.example.com");
    ASSERT_EQ(result.rejected.size(), 1u);
    EXPECT_EQ(result.rejected[0].item_json, "\"not-an-address\"");
    EXPECT_EQ(result.rejected[0].reason, "not an address");
}

TEST_F(DriverInstance, TheDriversLimitCountsEventsAndRejectedItems)
{
    auto d = make("fixture_good", {{"endpoint", "x"}, {"retries", "1"}, {"verbose", "false"}});
    EXPECT_EQ(post(*d, "a@x\nb@x\nc@x\nd@x\nnope").status, MG_OK);
    auto over = post(*d, "a@x\nb@x\nc@x\nd@x\ne@x\nf@x");
    EXPECT_EQ(over.status, MG_TOO_MANY_EVENTS);
    EXPECT_EQ(over.error, "More than allowed events received.");
    EXPECT_TRUE(over.events.empty()) << "nothing of a refused callback is kept";
}

TEST_F(DriverInstance, StatusesAndMessagesCrossTheBoundary)
{
    auto d = make("fixture_good", {{"endpoint", "x"}, {"retries", "1"}, {"verbose", "false"}});
    raw_callback request;
    request.method = "POST";
    request.headers = {{"x-fixture-token", "wrong"}};
    auto refused = d->parse_callback(request);
    EXPECT_EQ(refused.status, MG_UNAUTHORIZED);
    EXPECT_EQ(refused.error, "bad token");
    EXPECT_EQ(post(*d, "", "GET").status, MG_UNSUPPORTED);
}

TEST_F(DriverInstance, DecorateAddsTheDriversHeaders)
{
    auto d = make("fixture_good", {{"endpoint", "x"}, {"retries", "1"}, {"verbose", "true"}});
    decorate_request message;
    message.meta = "token-123";
    message.recipient = "r@example.com";
    auto result = d->decorate(message);
    EXPECT_EQ(result.status, MG_OK);
    EXPECT_THAT(
        result.headers,
        ElementsAre(std::pair<std::string, std::string>{"X-Fixture-Meta", "token-123"},
                    std::pair<std::string, std::string>{"X-Fixture-Recipient", "r@example.com"}));

    message.meta = "bad\r\nInjected: yes";
    EXPECT_EQ(d->decorate(message).status, MG_BAD_REQUEST) << "header injection is refused";
}

TEST_F(DriverInstance, CreateErrorsNameTheProviderAndOption)
{
    try {
        make("fixture_good", {{"endpoint", "x"}, {"retries", "-1"}, {"verbose", "false"}});
        FAIL() << "create should have failed";
    } catch (const create_error& e) {
        EXPECT_STREQ(e.what(), "provider 'nick': option 'retries': must not be negative");
    }
}

TEST_F(DriverInstance, ExceptionsFromCreateBecomeErrors)
{
    const std::pair<const char*, const char*> cases[] = {
        {"std", "provider 'nick': boom in create"},
        {"int", "provider 'nick': unknown exception"},
        {"config", "provider 'nick': option 'throw_in_create': was asked to refuse"},
    };
    for (const auto& [how, message] : cases) {
        try {
            make("fixture_throws", {{"throw_in_create", how}});
            ADD_FAILURE() << how << ": create should have failed";
        } catch (const create_error& e) {
            EXPECT_STREQ(e.what(), message);
        }
    }
}

TEST_F(DriverInstance, ExceptionsFromParseAndDecorateBecomeStatuses)
{
    captured_log captured;
    auto d = make("fixture_throws", {{"throw_in_create", "none"}});
    auto std_error = post(*d, "std");
    EXPECT_EQ(std_error.status, MG_INTERNAL_ERROR);
    EXPECT_EQ(std_error.error, "boom inside the driver");
    auto int_error = post(*d, "int");
    EXPECT_EQ(int_error.status, MG_INTERNAL_ERROR);
    EXPECT_EQ(int_error.error, "unknown exception");
    EXPECT_EQ(post(*d, "alloc").status, MG_INTERNAL_ERROR);
    auto refused = post(*d, "anything");
    EXPECT_EQ(refused.status, MG_BAD_REQUEST);
    EXPECT_EQ(refused.error, "the driver refused the body");

    auto decorated = d->decorate(decorate_request{});
    EXPECT_EQ(decorated.status, MG_INTERNAL_ERROR);
    EXPECT_TRUE(decorated.headers.empty());
    EXPECT_THAT(captured.text(),
                HasSubstr("provider=nick driver=fixture_throws@0.0.1: decorate: boom in decorate"));
}

TEST_F(DriverInstance, ALibcxxDriverWorksInTheLibstdcxxHost)
{
    auto d = make("fixture_libcxx", {{"greeting", "bonjour"}});
    auto result = post(*d, "a@example.com,b@example.com,a@example.com");
    ASSERT_EQ(result.status, MG_OK);
    ASSERT_EQ(result.events.size(), 2u);
    EXPECT_EQ(result.events[0].email, "a@example.com");
    EXPECT_EQ(result.events[1].email, "b@example.com");
    EXPECT_EQ(result.events[1].description, "bonjour");
    auto thrown = post(*d, "throw");
    EXPECT_EQ(thrown.status, MG_INTERNAL_ERROR);
    EXPECT_EQ(thrown.error, "thrown by libc++ code");
}

// A driver built before ABI 1.2 hands over the shorter event; the host must not read past it.
TEST_F(DriverInstance, AnAbi11DriverLoadsAndItsEventsComeWithoutReasons)
{
    auto d = make("fixture_abi11", {});
    EXPECT_EQ(d->library().descriptor().abi_minor, 1);
    auto result = post(*d, "");
    ASSERT_EQ(result.status, MG_OK);
    ASSERT_EQ(result.events.size(), 3u);
    EXPECT_EQ(result.events[0].kind, MG_EVENT_HARD_BOUNCE);
    EXPECT_EQ(result.events[0].email, "gone@example.com");
    for (const auto& e : result.events) {
        EXPECT_EQ(e.reason, "");
        EXPECT_EQ(e.smtp_code, 0);
        EXPECT_EQ(e.status, "");
        EXPECT_EQ(e.remote_mta, "");
    }
}

// The instance keeps its library: dropping the registry must not unmap the driver's code.
TEST(DriverLifetime, AnInstanceOutlivesTheRegistryThatLoadedIt)
{
    std::unique_ptr<driver_instance> d;
    {
        auto registry = driver_registry::scan(FIXTURE_PLUGIN_DIR);
        d = std::make_unique<driver_instance>(
            registry.find("fixture_good"), "nick",
            std::map<std::string, std::string>{
                {"endpoint", "x"}, {"retries", "1"}, {"verbose", "false"}});
    }
    raw_callback request;
    request.method = "POST";
    request.body = "late@example.com";
    auto result = d->parse_callback(request);
    ASSERT_EQ(result.events.size(), 1u);
    EXPECT_EQ(result.events[0].email, "late@example.com");
}

TEST_F(DriverInstance, ConcurrentCallsOnOneInstanceStayApart)
{
    auto d = make("fixture_good", {{"endpoint", "x"}, {"retries", "1"}, {"verbose", "false"}});
    std::vector<std::thread> threads;
    std::vector<int> wrong(4, 0);
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            const std::string email = "t" + std::to_string(t) + "@example.com";
            for (int i = 0; i < 500; ++i) {
                auto r = post(*d, email + "\n" + email);
                if (r.status != MG_OK || r.events.size() != 2 || r.events[1].email != email) {
                    ++wrong[t];
                }
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_THAT(wrong, ElementsAre(0, 0, 0, 0));
}

} // namespace
} // namespace mailgate::core::plugin
