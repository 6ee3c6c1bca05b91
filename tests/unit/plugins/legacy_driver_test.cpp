// The legacy driver as the gateway sees it: the built .so loaded through its C entry point by
// the SDK's fake host, fed the bodies an ESP (or an attacker) may post.

#include <mailgate/sdk/abi.h>
#include <mailgate/sdk/testing/fake_host.hpp>

#include "driver_test_support.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <ostream>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using mailgate::sdk::testing::callback_result;
using mailgate::sdk::testing::fake_host;
using mailgate::sdk::testing::find_option;
using mailgate::test::missing_parameters;
using mailgate::test::rejection;
using mailgate::test::rejections;
using mailgate::test::too_many_events;
using mailgate::test::unmapped_event;
using mailgate::test::unreadable_body;

// What a user checks of an emitted event.
struct bounce {
    int32_t kind = 0;
    std::string email;
    int64_t occurred_at = 0;

    bool operator==(const bounce&) const = default;
};

std::ostream& operator<<(std::ostream& out, const bounce& b)
{
    return out << "{kind " << b.kind << ", " << b.email << ", " << b.occurred_at << "}";
}

std::vector<bounce> bounces(const callback_result& result)
{
    std::vector<bounce> out;
    for (const auto& e : result.events) {
        out.push_back({e.kind, e.email, e.occurred_at});
    }
    return out;
}

// A body of `soft` soft bounces followed by `hard` hard bounces, in two groups.
std::string bounce_body(int soft, int hard)
{
    auto group = [](const char* event, int count, int first) {
        std::string out = std::string(R"({"event":")") + event + R"(","data":[)";
        for (int i = 0; i < count; ++i) {
            out += (i == 0 ? "" : ",");
            out +=
                R"({"e":"user)" + std::to_string(first + i) + R"(@example.com","ts":1435322805})";
        }
        return out + "]}";
    };
    return "[" + group("softbounce", soft, 0) + "," + group("hardbounce", hard, soft) + "]";
}

// One soft-bounce group holding a single entry with this `ts` value (JSON text).
std::string body_with_ts(const std::string& ts)
{
    return R"([{"event":"softbounce","data":[{"e":"a@example.com","ts":)" + ts + "}]}]";
}

// One soft-bounce group holding a single entry with this `e` value (JSON text).
std::string body_with_email(const std::string& email)
{
    return R"([{"event":"softbounce","data":[{"e":)" + email + R"(,"ts":1}]}])";
}

class LegacyDriver : public ::testing::Test {
protected:
    callback_result post(std::string body) { return host_.post(instance_, std::move(body)); }

    callback_result request(std::string method, std::string body)
    {
        mailgate::sdk::testing::request req;
        req.method = std::move(method);
        req.body = std::move(body);
        return host_.parse(instance_, req);
    }

    // The message create() failed with, or "" when it succeeded.
    std::string create_error(const fake_host::options_map& options)
    {
        try {
            host_.create(driver_, options);
            return "";
        } catch (const std::runtime_error& e) {
            return e.what();
        }
    }

    // The whole body refused with `status` and `message`, nothing emitted or rejected.
    void expect_refused(const callback_result& result, mg_status status, const std::string& message)
    {
        EXPECT_EQ(result.status, status);
        EXPECT_EQ(result.error, message);
        EXPECT_TRUE(result.events.empty());
        EXPECT_TRUE(result.rejected.empty());
    }

    // The body's only entry rejected for `reason`, and nothing emitted.
    void expect_only_rejected(const callback_result& result, const std::string& reason)
    {
        EXPECT_EQ(result.status, MG_OK) << result.error;
        EXPECT_TRUE(result.events.empty());
        ASSERT_EQ(result.rejected.size(), 1u);
        EXPECT_EQ(result.rejected[0].reason, reason);
    }

    fake_host host_;
    const mg_driver& driver_ = host_.load_library(MAILGATE_LEGACY_DRIVER);
    fake_host::instance instance_ = host_.create(driver_, {{"host", "smtp.example.com"}});
};

TEST_F(LegacyDriver, DescriptorDeclaresTheLegacyDriver)
{
    EXPECT_EQ(driver_.abi_major, MG_ABI_VERSION_MAJOR);
    EXPECT_STREQ(driver_.id, "legacy");
    EXPECT_STREQ(driver_.version, "1.0.0");
    ASSERT_NE(driver_.description, nullptr);
    EXPECT_GT(std::strlen(driver_.description), 0u);
    EXPECT_EQ(std::strchr(driver_.description, '\n'), nullptr);
    EXPECT_EQ(driver_.capabilities, uint64_t{MG_CAP_CALLBACKS | MG_CAP_SMTP});
    EXPECT_EQ(driver_.max_callback_events, 1000u);
    EXPECT_NE(driver_.parse_callback, nullptr);
    EXPECT_EQ(driver_.decorate, nullptr);
}

TEST_F(LegacyDriver, OptionTableIsTheStandardSmtpSet)
{
    auto find = [this](const char* name) { return find_option(driver_, name); };
    for (const char* name : {"host", "port", "scheme", "username", "password"}) {
        EXPECT_NE(find(name), nullptr) << name;
    }
    ASSERT_NE(find("host"), nullptr);
    EXPECT_EQ(find("host")->type, MG_OPTION_STRING);
    EXPECT_NE(find("host")->flags & MG_OPTION_REQUIRED, 0u);
    ASSERT_NE(find("port"), nullptr);
    EXPECT_EQ(find("port")->type, MG_OPTION_INT);
    ASSERT_NE(find("scheme"), nullptr);
    EXPECT_EQ(find("scheme")->flags & MG_OPTION_SECRET, 0u);
    ASSERT_NE(find("password"), nullptr);
    EXPECT_NE(find("password")->flags & MG_OPTION_SECRET, 0u);
}

// `host` is required in the option table, so a host refuses the provider before the driver
// is even asked.
TEST_F(LegacyDriver, CreateWithoutHostFailsNamingHost)
{
    std::string error = create_error({});
    EXPECT_NE(error.find("missing required option 'host'"), std::string::npos) << error;
}

TEST_F(LegacyDriver, CreateWithEmptyHostFailsNamingHost)
{
    std::string error = create_error({{"host", ""}});
    EXPECT_NE(error.find("host: "), std::string::npos) << error;
}

TEST_F(LegacyDriver, CreateWithPortOutOfRangeFailsNamingPort)
{
    for (const char* port : {"70000", "0", "-1", "65536"}) {
        std::string error = create_error({{"host", "smtp.example.com"}, {"port", port}});
        EXPECT_NE(error.find("(status 4)"), std::string::npos) << port << ": " << error;
        EXPECT_NE(error.find("port: "), std::string::npos) << port << ": " << error;
    }
}

TEST_F(LegacyDriver, CreateWithUnknownSchemeFailsNamingScheme)
{
    std::string error = create_error({{"host", "smtp.example.com"}, {"scheme", "ftp"}});
    EXPECT_NE(error.find("(status 4)"), std::string::npos) << error;
    EXPECT_NE(error.find("scheme: "), std::string::npos) << error;
}

TEST_F(LegacyDriver, CreateAcceptsEverySchemeAndPortBounds)
{
    for (const char* scheme : {"smtp", "starttls", "smtps"}) {
        EXPECT_EQ(
            create_error({{"host", "smtp.example.com"}, {"port", "2525"}, {"scheme", scheme}}), "")
            << scheme;
    }
    for (const char* port : {"1", "465", "65535"}) {
        EXPECT_EQ(create_error({{"host", "smtp.example.com"}, {"port", port}, {"scheme", "smtps"}}),
                  "")
            << port;
    }
}

TEST_F(LegacyDriver, SeedExampleEmitsTwoSoftAndOneHardBounce)
{
    callback_result result = post(R"([
        { "event": "softbounce",
          "data": [ { "e": "email1@emailprovider.com", "ts": 1435322805 },
                    { "e": "email2@emailprovider2.com", "ts": 1435322805 } ] },
        { "event": "hardbounce",
          "data": [ { "e": "email3@emailprovider.com", "ts": 1435322805 } ] }
    ])");

    ASSERT_EQ(result.status, MG_OK) << result.error;
    EXPECT_EQ(bounces(result), (std::vector<bounce>{
                                   {MG_EVENT_SOFT_BOUNCE, "email1@emailprovider.com", 1435322805},
                                   {MG_EVENT_SOFT_BOUNCE, "email2@emailprovider2.com", 1435322805},
                                   {MG_EVENT_HARD_BOUNCE, "email3@emailprovider.com", 1435322805},
                               }));
    EXPECT_TRUE(result.rejected.empty());
    for (const auto& e : result.events) {
        EXPECT_EQ(e.flags, 0u);
        EXPECT_EQ(e.meta, "");
        EXPECT_EQ(e.description, "");
        EXPECT_EQ(e.provider_event_id, "");
        EXPECT_EQ(e.detail_json, "");
    }
}

TEST_F(LegacyDriver, EmailIsPassedAsReceived)
{
    callback_result result = post(body_with_email(R"(" Mixed.Case@Example.COM ")"));
    ASSERT_EQ(result.status, MG_OK) << result.error;
    EXPECT_EQ(bounces(result),
              (std::vector<bounce>{{MG_EVENT_SOFT_BOUNCE, " Mixed.Case@Example.COM ", 1}}));
}

TEST_F(LegacyDriver, MissingTsIsZero)
{
    callback_result result = post(R"([{"event":"hardbounce","data":[{"e":"a@example.com"}]}])");
    ASSERT_EQ(result.status, MG_OK) << result.error;
    EXPECT_EQ(bounces(result), (std::vector<bounce>{{MG_EVENT_HARD_BOUNCE, "a@example.com", 0}}));
    EXPECT_TRUE(result.rejected.empty());
}

TEST_F(LegacyDriver, TsAcceptsWholeNumbersInRange)
{
    struct accepted {
        const char* json;
        int64_t seconds;
    };
    for (accepted ts :
         {accepted{"0", 0}, accepted{"1435322805.0", 1435322805},
          accepted{"1.435322805e9", 1435322805}, accepted{"253402300799", 253402300799}}) {
        callback_result result = post(body_with_ts(ts.json));
        ASSERT_EQ(result.status, MG_OK) << ts.json << ": " << result.error;
        EXPECT_EQ(bounces(result),
                  (std::vector<bounce>{{MG_EVENT_SOFT_BOUNCE, "a@example.com", ts.seconds}}))
            << ts.json;
    }
}

TEST_F(LegacyDriver, MixedEntriesEmitTheValidAndRejectTheRest)
{
    callback_result result = post(R"([
        {"event":"softbounce","data":[
            {"e":"good1@example.com","ts":1435322805},
            {"ts":1435322805},
            {"e":"no-at-sign.example.com","ts":1435322805},
            {"e":"bad-ts@example.com","ts":"1435322805"},
            {"e":"fraction@example.com","ts":1435322805.5},
            {"e":"good2@example.com","ts":1435322806}]},
        {"event":"hardbounce","data":[
            {"e":"good3@example.com","extra":{"kept":[1,2]}}]}
    ])");

    ASSERT_EQ(result.status, MG_OK) << result.error;
    EXPECT_EQ(bounces(result), (std::vector<bounce>{
                                   {MG_EVENT_SOFT_BOUNCE, "good1@example.com", 1435322805},
                                   {MG_EVENT_SOFT_BOUNCE, "good2@example.com", 1435322806},
                                   {MG_EVENT_HARD_BOUNCE, "good3@example.com", 0},
                               }));
    std::vector<rejection> rejected = rejections(result);
    ASSERT_EQ(rejected.size(), 4u);
    EXPECT_EQ(rejected[0],
              (rejection{R"({"event":"softbounce","ts":1435322805})", "invalid email"}));
    EXPECT_EQ(rejected[1],
              (rejection{R"({"event":"softbounce","e":"no-at-sign.example.com","ts":1435322805})",
                         "invalid email"}));
    EXPECT_EQ(rejected[2],
              (rejection{R"({"event":"softbounce","e":"bad-ts@example.com","ts":"1435322805"})",
                         "invalid ts"}));
    EXPECT_EQ(rejected[3].reason, "invalid ts");
    EXPECT_NE(rejected[3].item_json.find(R"("e":"fraction@example.com")"), std::string::npos)
        << rejected[3].item_json;
    EXPECT_EQ(rejected[3].item_json.rfind(R"({"event":"softbounce",)", 0), 0u)
        << rejected[3].item_json;
}

TEST_F(LegacyDriver, UnknownEventNameRejectsEachOfItsEntries)
{
    callback_result result = post(R"([
        {"event":"spam","data":[{"e":"a@example.com","ts":1},{"e":"not-an-email"}]},
        {"event":"SoftBounce","data":[{"e":"b@example.com","ts":2}]},
        {"event":"hardbounce","data":[{"e":"c@example.com","ts":3}]}
    ])");

    ASSERT_EQ(result.status, MG_OK) << result.error;
    EXPECT_EQ(bounces(result), (std::vector<bounce>{{MG_EVENT_HARD_BOUNCE, "c@example.com", 3}}));
    EXPECT_EQ(rejections(result),
              (std::vector<rejection>{
                  {R"({"event":"spam","e":"a@example.com","ts":1})", unmapped_event},
                  {R"({"event":"spam","e":"not-an-email"})", unmapped_event},
                  {R"({"event":"SoftBounce","e":"b@example.com","ts":2})", unmapped_event},
              }));
}

TEST_F(LegacyDriver, GroupEventNameWinsOverAnEventKeyInTheEntry)
{
    callback_result result =
        post(R"([{"event":"spam","data":[{"event":"hardbounce","e":"a@example.com"}]}])");
    ASSERT_EQ(result.status, MG_OK) << result.error;
    EXPECT_TRUE(result.events.empty());
    EXPECT_EQ(rejections(result), (std::vector<rejection>{
                                      {R"({"event":"spam","e":"a@example.com"})", unmapped_event},
                                  }));
}

TEST_F(LegacyDriver, EmptyArrayIsOkWithNoEvents)
{
    callback_result result = post("[]");
    EXPECT_EQ(result.status, MG_OK) << result.error;
    EXPECT_TRUE(result.events.empty());
    EXPECT_TRUE(result.rejected.empty());
}

TEST_F(LegacyDriver, GroupWithEmptyDataIsOkWithNoEvents)
{
    callback_result result = post(R"([{"event":"softbounce","data":[]}])");
    EXPECT_EQ(result.status, MG_OK) << result.error;
    EXPECT_TRUE(result.events.empty());
    EXPECT_TRUE(result.rejected.empty());
}

TEST_F(LegacyDriver, NonJsonIsUnreadable)
{
    expect_refused(post("e=a@example.com&ts=1"), MG_BAD_REQUEST, unreadable_body);
}

TEST_F(LegacyDriver, EmptyBodyIsUnreadable)
{
    expect_refused(post(""), MG_BAD_REQUEST, unreadable_body);
}

TEST_F(LegacyDriver, TruncatedJsonIsUnreadable)
{
    expect_refused(post(R"([{"event":"softbounce","data":[{"e":"a@example.com","ts":14353)"),
                   MG_BAD_REQUEST, unreadable_body);
}

TEST_F(LegacyDriver, TrailingGarbageIsUnreadable)
{
    expect_refused(post(R"([{"event":"softbounce","data":[]}] x)"), MG_BAD_REQUEST,
                   unreadable_body);
}

TEST_F(LegacyDriver, InvalidUtf8IsUnreadable)
{
    expect_refused(post(body_with_email("\"\xff\xfe@example.com\"")), MG_BAD_REQUEST,
                   unreadable_body);
    expect_refused(post(body_with_email("\"\xc3@example.com\"")), MG_BAD_REQUEST, unreadable_body);
}

TEST_F(LegacyDriver, DeepNestingIsUnreadable)
{
    expect_refused(post(std::string(10000, '[')), MG_BAD_REQUEST, unreadable_body);
    // Well-formed but deeper than the driver reads.
    expect_refused(post(std::string(10000, '[') + std::string(10000, ']')), MG_BAD_REQUEST,
                   unreadable_body);
}

TEST_F(LegacyDriver, TenMegabytesOfBinaryIsUnreadable)
{
    std::mt19937 random(42);
    std::string body(10 * 1024 * 1024, '\0');
    for (char& c : body) {
        c = static_cast<char>(random() & 0xff);
    }
    body[0] = '\x80'; // whatever the generator gives, the body cannot start a JSON value
    expect_refused(post(body), MG_BAD_REQUEST, unreadable_body);
    // The same bytes inside a well-started string: the parser reads into them before failing.
    expect_refused(post(R"([{"event":"softbounce","data":[{"e":")" + body), MG_BAD_REQUEST,
                   unreadable_body);
}

TEST_F(LegacyDriver, ObjectInsteadOfArrayIsMissingParameters)
{
    expect_refused(post(R"({"event":"softbounce","data":[{"e":"a@example.com","ts":1}]})"),
                   MG_BAD_REQUEST, missing_parameters);
}

TEST_F(LegacyDriver, ScalarTopLevelIsMissingParameters)
{
    for (const char* body : {"null", "1", R"("[]")", "true"}) {
        SCOPED_TRACE(body);
        expect_refused(post(body), MG_BAD_REQUEST, missing_parameters);
    }
}

TEST_F(LegacyDriver, MalformedGroupIsMissingParameters)
{
    const char* bodies[] = {
        R"([1])",
        R"([[]])",
        R"([{"data":[{"e":"a@example.com"}]}])",
        R"([{"event":1,"data":[{"e":"a@example.com"}]}])",
        R"([{"event":null,"data":[]}])",
        R"([{"event":"softbounce"}])",
        R"([{"event":"softbounce","data":{"e":"a@example.com"}}])",
        R"([{"event":"softbounce","data":null}])",
        R"([{"event":"softbounce","data":["a@example.com"]}])",
        R"([{"event":"softbounce","data":[{"e":"a@example.com"},null]}])",
    };
    for (const char* body : bodies) {
        SCOPED_TRACE(body);
        expect_refused(post(body), MG_BAD_REQUEST, missing_parameters);
    }
}

TEST_F(LegacyDriver, MalformedLaterGroupRefusesTheWholeBody)
{
    expect_refused(post(R"([{"event":"softbounce","data":[{"e":"a@example.com","ts":1}]},
                            {"event":"hardbounce"}])"),
                   MG_BAD_REQUEST, missing_parameters);
}

TEST_F(LegacyDriver, NonStringEmailsAreRejected)
{
    for (const char* email : {"42", "null", "true", R"({"e":"a@example.com"})",
                              R"(["a@example.com"])", R"("")", R"("no-at-sign")"}) {
        SCOPED_TRACE(email);
        expect_only_rejected(post(body_with_email(email)), "invalid email");
    }
}

TEST_F(LegacyDriver, EmailOf254BytesIsAcceptedAnd255Rejected)
{
    std::string local(254 - std::strlen("@example.com"), 'a');
    callback_result result = post(body_with_email('"' + local + "@example.com\""));
    ASSERT_EQ(result.status, MG_OK) << result.error;
    ASSERT_EQ(result.events.size(), 1u);
    EXPECT_EQ(result.events[0].email.size(), 254u);

    expect_only_rejected(post(body_with_email("\"a" + local + "@example.com\"")), "invalid email");
}

TEST_F(LegacyDriver, HugeNegativeAndNonNumericTsAreRejected)
{
    for (const char* ts : {"1e30", "18446744073709551616", "18446744073709551615", "-1", "-1.0",
                           "253402300800", "0.5", R"("1435322805")", "null", "true", "[1]", "{}"}) {
        SCOPED_TRACE(ts);
        callback_result result = post(body_with_ts(ts));
        expect_only_rejected(result, "invalid ts");
        if (!result.rejected.empty()) {
            EXPECT_EQ(result.rejected[0].item_json.rfind(
                          R"({"event":"softbounce","e":"a@example.com","ts":)", 0),
                      0u)
                << result.rejected[0].item_json;
        }
    }
}

// Boost.JSON 1.81 reads a literal beyond double's range as infinity rather than failing the
// parse; the echoed item must still be JSON, so the infinity is echoed as null.
TEST_F(LegacyDriver, OverflowingTsIsRejectedAndEchoedAsJson)
{
    for (const char* ts : {"1e400", "-1e400"}) {
        SCOPED_TRACE(ts);
        callback_result result = post(body_with_ts(ts));
        expect_only_rejected(result, "invalid ts");
        if (!result.rejected.empty()) {
            EXPECT_EQ(result.rejected[0].item_json,
                      R"({"event":"softbounce","e":"a@example.com","ts":null})");
        }
    }
}

TEST_F(LegacyDriver, ExactlyOneThousandEntriesAreAccepted)
{
    callback_result result = post(bounce_body(600, 400));
    ASSERT_EQ(result.status, MG_OK) << result.error;
    ASSERT_EQ(result.events.size(), 1000u);
    EXPECT_TRUE(result.rejected.empty());
    EXPECT_EQ(bounces(result).front(),
              (bounce{MG_EVENT_SOFT_BOUNCE, "user0@example.com", 1435322805}));
    EXPECT_EQ(bounces(result)[599],
              (bounce{MG_EVENT_SOFT_BOUNCE, "user599@example.com", 1435322805}));
    EXPECT_EQ(bounces(result)[600],
              (bounce{MG_EVENT_HARD_BOUNCE, "user600@example.com", 1435322805}));
    EXPECT_EQ(bounces(result).back(),
              (bounce{MG_EVENT_HARD_BOUNCE, "user999@example.com", 1435322805}));
}

TEST_F(LegacyDriver, MoreThanOneThousandEntriesAreRefusedBeforeAnyEvent)
{
    expect_refused(post(bounce_body(500, 501)), MG_TOO_MANY_EVENTS, too_many_events);
    expect_refused(post(bounce_body(1001, 0)), MG_TOO_MANY_EVENTS, too_many_events);
}

TEST_F(LegacyDriver, HeadIsOkWithNoEvents)
{
    callback_result result = request("HEAD", "");
    EXPECT_EQ(result.status, MG_OK) << result.error;
    EXPECT_TRUE(result.events.empty());
    EXPECT_TRUE(result.rejected.empty());
}

TEST_F(LegacyDriver, OtherMethodsAreUnsupported)
{
    for (const char* method : {"GET", "PUT", "DELETE", "post"}) {
        SCOPED_TRACE(method);
        expect_refused(request(method, bounce_body(1, 1)), MG_UNSUPPORTED, "method not allowed");
    }
}

} // namespace
