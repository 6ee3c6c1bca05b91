// The smtp driver as the gateway sees it: the built .so loaded through its C entry point by the
// SDK's fake host, fed the v2 bodies an ESP (or an attacker) may post, and the messages it
// stamps.

#include <mailgate/sdk/abi.h>
#include <mailgate/sdk/testing/fake_host.hpp>

#include "driver_test_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <ostream>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
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
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr const char* bad_credentials = "missing or wrong callback credentials";

constexpr const char* token = "k7Qz2mW9xR4tL8vN";
constexpr const char* callback_target = "/v1/callbacks/test";

// What a user checks of an emitted event.
struct failure {
    int32_t kind = 0;
    std::string email;
    std::string meta;
    std::string description;

    bool operator==(const failure&) const = default;
};

std::ostream& operator<<(std::ostream& out, const failure& f)
{
    return out << "{kind " << f.kind << ", " << f.email << ", " << f.meta << ", " << f.description
               << "}";
}

std::vector<failure> failures(const callback_result& result)
{
    std::vector<failure> out;
    for (const auto& e : result.events) {
        out.push_back({e.kind, e.email, e.meta, e.description});
    }
    return out;
}

// A v2 body whose `failed` array holds these items (JSON texts).
std::string v2_body(const std::vector<std::string>& items)
{
    std::string out = R"({"version":"v2","events":{"failed":[)";
    for (std::size_t i = 0; i < items.size(); ++i) {
        out += (i == 0 ? "" : ",") + items[i];
    }
    return out + "]}}";
}

// The meta token the tests' gateway signed for user<n>@example.com.
std::string meta_of(int n)
{
    return "meta-" + std::to_string(n);
}

std::string email_of(int n)
{
    return "user" + std::to_string(n) + "@example.com";
}

// A soft bounce for user<n>, with a meta the host accepts once accept_user(n) ran.
std::string soft_bounce_item(int n)
{
    return R"({"type":"soft_bounce","email":")" + email_of(n) + R"(","meta":")" + meta_of(n) +
           R"("})";
}

// The item every authentication test posts: accepted once authentication passed.
std::string good_item()
{
    return soft_bounce_item(1);
}

std::string soft_bounces(int count)
{
    std::vector<std::string> items;
    for (int i = 0; i < count; ++i) {
        items.push_back(soft_bounce_item(i));
    }
    return v2_body(items);
}

class SmtpDriver : public ::testing::Test {
protected:
    SmtpDriver()
    {
        for (int n = 1; n <= 5; ++n) {
            accept_user(n);
        }
    }

    void accept_user(int n) { host_.accept_meta(meta_of(n), email_of(n)); }

    // A provider with these options besides its host.
    fake_host::instance provider(fake_host::options_map options = {})
    {
        options.emplace("host", "smtp.example.com");
        return host_.create(driver_, options);
    }

    callback_result post(std::string body) { return host_.post(instance_, std::move(body)); }

    callback_result send(const fake_host::instance& inst, std::string target, std::string body,
                         std::vector<std::pair<std::string, std::string>> headers = {})
    {
        mailgate::sdk::testing::request req;
        req.target = std::move(target);
        req.body = std::move(body);
        req.headers = std::move(headers);
        return host_.parse(inst, req);
    }

    callback_result request(std::string method, std::string body)
    {
        mailgate::sdk::testing::request req;
        req.method = std::move(method);
        req.body = std::move(body);
        return host_.parse(instance_, req);
    }

    // The message create() failed with, or "" when it succeeded.
    std::string create_error(fake_host::options_map options)
    {
        options.emplace("host", "smtp.example.com");
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

    // The body's only item rejected, echoed as `item_json`, for `reason`; nothing emitted.
    void expect_only_rejected(const callback_result& result, const std::string& item_json,
                              const std::string& reason)
    {
        EXPECT_EQ(result.status, MG_OK) << result.error;
        EXPECT_TRUE(result.events.empty());
        EXPECT_EQ(rejections(result), (std::vector<rejection>{{item_json, reason}}));
    }

    // One good soft bounce for user1, accepted by a provider with authentication.
    void expect_accepted(const callback_result& result)
    {
        ASSERT_EQ(result.status, MG_OK) << result.error;
        EXPECT_EQ(failures(result),
                  (std::vector<failure>{{MG_EVENT_SOFT_BOUNCE, email_of(1), meta_of(1), ""}}));
        EXPECT_TRUE(result.rejected.empty());
    }

    fake_host host_;
    const mg_driver& driver_ = host_.load_library(MAILGATE_SMTP_DRIVER);
    fake_host::instance instance_ = provider();
};

TEST_F(SmtpDriver, DescriptorDeclaresTheSmtpDriver)
{
    EXPECT_EQ(driver_.abi_major, MG_ABI_VERSION_MAJOR);
    EXPECT_EQ(driver_.abi_minor, MG_ABI_VERSION_MINOR);
    EXPECT_STREQ(driver_.id, "smtp");
    EXPECT_STREQ(driver_.version, "1.0.0");
    ASSERT_NE(driver_.description, nullptr);
    EXPECT_GT(std::strlen(driver_.description), 0u);
    EXPECT_EQ(std::strchr(driver_.description, '\n'), nullptr);
    EXPECT_EQ(driver_.capabilities, uint64_t{MG_CAP_CALLBACKS | MG_CAP_DECORATE | MG_CAP_SMTP});
    EXPECT_EQ(driver_.max_callback_events, 1000u);
    EXPECT_NE(driver_.parse_callback, nullptr);
    EXPECT_NE(driver_.decorate, nullptr);
}

TEST_F(SmtpDriver, OptionTableIsTheSmtpSetPlusCallbackAuthentication)
{
    EXPECT_EQ(driver_.option_count, 14u);
    for (const char* name :
         {"host", "port", "scheme", "username", "password", "from_name", "from_address",
          "reply_address", "preference_center", "bounce_domain"}) {
        EXPECT_NE(find_option(driver_, name), nullptr) << name;
    }
    const mg_option* verify_tls = find_option(driver_, "verify_tls");
    ASSERT_NE(verify_tls, nullptr);
    EXPECT_EQ(verify_tls->type, MG_OPTION_BOOL);
    EXPECT_STREQ(verify_tls->default_value, "true");

    const mg_option* callback_token = find_option(driver_, "callback_token");
    ASSERT_NE(callback_token, nullptr);
    EXPECT_EQ(callback_token->type, MG_OPTION_STRING);
    EXPECT_EQ(callback_token->flags, uint32_t{MG_OPTION_SECRET});
    EXPECT_EQ(callback_token->default_value, nullptr);

    const mg_option* username = find_option(driver_, "callback_username");
    ASSERT_NE(username, nullptr);
    EXPECT_EQ(username->type, MG_OPTION_STRING);
    EXPECT_EQ(username->flags, 0u);

    const mg_option* password = find_option(driver_, "callback_password");
    ASSERT_NE(password, nullptr);
    EXPECT_EQ(password->type, MG_OPTION_STRING);
    EXPECT_EQ(password->flags, uint32_t{MG_OPTION_SECRET});
    EXPECT_EQ(password->default_value, nullptr);
}

TEST_F(SmtpDriver, DocumentedItemsEmitFourEvents)
{
    host_.accept_meta("meta-u1", "user1@example.com");
    host_.accept_meta("meta-u3", "user3@example.com");
    host_.accept_meta("meta-u5", "user5@example.com");
    host_.accept_meta("meta-u4", "user4@example.com");
    callback_result result = post(R"({
      "version": "v2",
      "events": {
        "failed": [
          { "type": "unsubscribed", "email": "user1@example.com",
            "meta": "meta-u1", "description": "User unsubscribed" },
          { "type": "hard_bounce", "email": "user3@example.com",
            "meta": "meta-u3", "description": "Hard bounce detected" },
          { "type": "soft_bounce", "email": "user5@example.com",
            "meta": "meta-u5", "description": "Recipient Inbox Full" },
          { "type": "spam", "email": "user4@example.com",
            "meta": "meta-u4", "description": "Marked as spam" }
        ]
      }
    })");

    ASSERT_EQ(result.status, MG_OK) << result.error;
    EXPECT_EQ(failures(result),
              (std::vector<failure>{
                  {MG_EVENT_UNSUBSCRIBED, "user1@example.com", "meta-u1", "User unsubscribed"},
                  {MG_EVENT_HARD_BOUNCE, "user3@example.com", "meta-u3", "Hard bounce detected"},
                  {MG_EVENT_SOFT_BOUNCE, "user5@example.com", "meta-u5", "Recipient Inbox Full"},
                  {MG_EVENT_SPAM, "user4@example.com", "meta-u4", "Marked as spam"},
              }));
    EXPECT_TRUE(result.rejected.empty());
    for (const auto& e : result.events) {
        EXPECT_EQ(e.flags, 0u);
        EXPECT_EQ(e.occurred_at, 0);
        EXPECT_EQ(e.provider_event_id, "");
        EXPECT_EQ(e.detail_json, "");
    }
}

TEST_F(SmtpDriver, BounceIsAHardBounce)
{
    callback_result result = post(v2_body(
        {R"({"type":"bounce","email":"user1@example.com","meta":"meta-1","description":"x"})"}));
    ASSERT_EQ(result.status, MG_OK) << result.error;
    EXPECT_EQ(failures(result),
              (std::vector<failure>{{MG_EVENT_HARD_BOUNCE, "user1@example.com", "meta-1", "x"}}));
}

TEST_F(SmtpDriver, DocumentedPartialSuccessRejectsExactlyTheDocumentedItems)
{
    callback_result result = post(R"({"version":"v2","events":{"failed":[
        { "type": "hard_bounce", "email": "user1@example.com",
          "description": "User hard bounce" },
        { "email": "user2@example.com", "meta": "meta-2",
          "description": "User soft bounce" },
        { "type": "soft_bounce", "email": "user3@example.com", "meta": "meta-3",
          "description": "Recipient Inbox Full" },
        { "type": "spam", "email": "user4@example.com", "meta": "meta-4" }
    ]}})");

    ASSERT_EQ(result.status, MG_OK) << result.error;
    EXPECT_EQ(
        rejections(result),
        (std::vector<rejection>{
            {R"({"type":"hard_bounce","email":"user1@example.com","description":"User hard bounce"})",
             "invalid meta"},
            {R"({"email":"user2@example.com","meta":"meta-2","description":"User soft bounce"})",
             unmapped_event},
        }));
    EXPECT_EQ(failures(result),
              (std::vector<failure>{
                  {MG_EVENT_SOFT_BOUNCE, "user3@example.com", "meta-3", "Recipient Inbox Full"},
                  {MG_EVENT_SPAM, "user4@example.com", "meta-4", ""},
              }));
}

TEST_F(SmtpDriver, EachMissingRequiredItemKeyIsRejected)
{
    expect_only_rejected(post(v2_body({R"({"email":"user1@example.com","meta":"meta-1"})"})),
                         R"({"email":"user1@example.com","meta":"meta-1"})", unmapped_event);
    expect_only_rejected(post(v2_body({R"({"type":"spam","meta":"meta-1"})"})),
                         R"({"type":"spam","meta":"meta-1"})", "invalid email");
    expect_only_rejected(post(v2_body({R"({"type":"spam","email":"user1@example.com"})"})),
                         R"({"type":"spam","email":"user1@example.com"})", "invalid meta");
    expect_only_rejected(post(v2_body({"{}"})), "{}", unmapped_event);
}

TEST_F(SmtpDriver, UnknownTypesAreUnmapped)
{
    for (const char* type : {"Hard_Bounce", "hardbounce", "delivered", "", " spam"}) {
        SCOPED_TRACE(type);
        std::string item = R"({"type":")" + std::string(type) +
                           R"(","email":"user1@example.com","meta":"meta-1"})";
        expect_only_rejected(post(v2_body({item})), item, unmapped_event);
    }
}

TEST_F(SmtpDriver, NonStringFieldsAreRejected)
{
    expect_only_rejected(
        post(v2_body({R"({"type":5,"email":"user1@example.com","meta":"meta-1"})"})),
        R"({"type":5,"email":"user1@example.com","meta":"meta-1"})", unmapped_event);
    expect_only_rejected(post(v2_body({R"({"type":"spam","email":null,"meta":"meta-1"})"})),
                         R"({"type":"spam","email":null,"meta":"meta-1"})", "invalid email");
    expect_only_rejected(
        post(v2_body({R"({"type":"spam","email":"user1@example.com","meta":{}})"})),
        R"({"type":"spam","email":"user1@example.com","meta":{}})", "invalid meta");
    expect_only_rejected(
        post(v2_body({R"({"type":"spam","email":["user1@example.com"],"meta":"meta-1"})"})),
        R"({"type":"spam","email":["user1@example.com"],"meta":"meta-1"})", "invalid email");
}

TEST_F(SmtpDriver, NonObjectItemsAreMissingParameters)
{
    callback_result result = post(v2_body({"5", "null", R"("user1@example.com")", "[]"}));
    ASSERT_EQ(result.status, MG_OK) << result.error;
    EXPECT_TRUE(result.events.empty());
    EXPECT_EQ(rejections(result), (std::vector<rejection>{
                                      {"5", missing_parameters},
                                      {"null", missing_parameters},
                                      {R"("user1@example.com")", missing_parameters},
                                      {"[]", missing_parameters},
                                  }));
}

// A meta the gateway never signed (another gateway's key, or altered) names nobody here.
TEST_F(SmtpDriver, MetaNotSignedByTheGatewayIsInvalid)
{
    std::string item = R"({"type":"hard_bounce","email":"user1@example.com","meta":"meta-1x"})";
    expect_only_rejected(post(v2_body({item})), item, "invalid meta");
}

TEST_F(SmtpDriver, ValidMetaForAnotherRecipientIsInvalid)
{
    std::string item = R"({"type":"hard_bounce","email":"user2@example.com","meta":"meta-1"})";
    expect_only_rejected(post(v2_body({item})), item, "invalid meta");
}

TEST_F(SmtpDriver, EmailAndMetaArePassedAsReceived)
{
    host_.accept_meta("m", " Mixed.Case@Example.COM ");
    callback_result result =
        post(v2_body({R"({"type":"spam","email":" Mixed.Case@Example.COM ","meta":"m"})"}));
    ASSERT_EQ(result.status, MG_OK) << result.error;
    EXPECT_EQ(failures(result),
              (std::vector<failure>{{MG_EVENT_SPAM, " Mixed.Case@Example.COM ", "m", ""}}));
}

TEST_F(SmtpDriver, NonStringDescriptionIsEmpty)
{
    for (const char* description : {"5", "null", R"({"text":"x"})", R"(["x"])"}) {
        SCOPED_TRACE(description);
        callback_result result =
            post(v2_body({R"({"type":"spam","email":"user1@example.com","meta":"meta-1",)"
                          R"("description":)" +
                          std::string(description) + "}"}));
        ASSERT_EQ(result.status, MG_OK) << result.error;
        EXPECT_EQ(failures(result),
                  (std::vector<failure>{{MG_EVENT_SPAM, "user1@example.com", "meta-1", ""}}));
    }
}

// Deduplication is the host's: it hashes identical items to the same key.
TEST_F(SmtpDriver, DuplicateItemsAreBothEmitted)
{
    callback_result result = post(v2_body({soft_bounce_item(1), soft_bounce_item(1)}));
    ASSERT_EQ(result.status, MG_OK) << result.error;
    EXPECT_EQ(failures(result),
              (std::vector<failure>{{MG_EVENT_SOFT_BOUNCE, "user1@example.com", "meta-1", ""},
                                    {MG_EVENT_SOFT_BOUNCE, "user1@example.com", "meta-1", ""}}));
    EXPECT_TRUE(result.rejected.empty());
}

TEST_F(SmtpDriver, ExtraKeysAndOtherEventGroupsAreIgnored)
{
    callback_result result = post(R"({
        "version": "v2", "sent_at": 1435322805, "esp": {"name": "x"},
        "events": {
            "delivered": [{"type": "delivered", "email": "user2@example.com", "meta": "meta-2"}],
            "failed": [{"type": "spam", "email": "user1@example.com", "meta": "meta-1",
                        "description": "Marked as spam", "ts": 1435322805,
                        "extra": {"kept": [1, 2]}}],
            "opened": "not even an array"
        }
    })");
    ASSERT_EQ(result.status, MG_OK) << result.error;
    EXPECT_EQ(failures(result), (std::vector<failure>{{MG_EVENT_SPAM, "user1@example.com", "meta-1",
                                                       "Marked as spam"}}));
    EXPECT_TRUE(result.rejected.empty());
}

// The echo is the item's JSON value with its keys in their order, not its bytes: a fraction is
// written back in Boost.JSON's notation and an escape as the UTF-8 it stands for.
TEST_F(SmtpDriver, RejectedItemKeepsItsExtraKeys)
{
    expect_only_rejected(
        post(v2_body({R"({"type":"spam", "email":"user1@example.com", "meta":"meta-9",)"
                      R"( "ts":1435322805, "extra":{"kept":[1,2.5,true,null,"\u00e9"]}})"})),
        R"({"type":"spam","email":"user1@example.com","meta":"meta-9",)"
        R"("ts":1435322805,"extra":{"kept":[1,2.5E0,true,null,")"
        "\xc3\xa9"
        R"("]}})",
        "invalid meta");
}

// Boost.JSON 1.81 reads a literal beyond double's range as infinity; the echoed item must still
// be JSON, so the infinity is echoed as null.
TEST_F(SmtpDriver, OverflowingNumberInARejectedItemIsEchoedAsJson)
{
    expect_only_rejected(
        post(v2_body({R"({"type":"spam","email":"user1@example.com","ts":1e400})"})),
        R"({"type":"spam","email":"user1@example.com","ts":null})", "invalid meta");
}

TEST_F(SmtpDriver, EmptyFailedIsOkWithNoEvents)
{
    callback_result result = post(R"({"version":"v2","events":{"failed":[]}})");
    EXPECT_EQ(result.status, MG_OK) << result.error;
    EXPECT_TRUE(result.events.empty());
    EXPECT_TRUE(result.rejected.empty());
}

TEST_F(SmtpDriver, MissingOrWrongVersionIsMissingParameters)
{
    for (const char* body : {
             R"({"events":{"failed":[]}})",
             R"({"version":"v1","events":{"failed":[]}})",
             R"({"version":"V2","events":{"failed":[]}})",
             R"({"version":"v2 ","events":{"failed":[]}})",
             R"({"version":2,"events":{"failed":[]}})",
             R"({"version":null,"events":{"failed":[]}})",
             R"({"version":["v2"],"events":{"failed":[]}})",
         }) {
        SCOPED_TRACE(body);
        expect_refused(post(body), MG_BAD_REQUEST, missing_parameters);
    }
}

TEST_F(SmtpDriver, EventsNotAnObjectIsMissingParameters)
{
    for (const char* body : {
             R"({"version":"v2"})",
             R"({"version":"v2","events":[]})",
             R"({"version":"v2","events":[{"failed":[]}]})",
             R"({"version":"v2","events":null})",
             R"({"version":"v2","events":"failed"})",
         }) {
        SCOPED_TRACE(body);
        expect_refused(post(body), MG_BAD_REQUEST, missing_parameters);
    }
}

TEST_F(SmtpDriver, FailedNotAnArrayIsMissingParameters)
{
    for (const char* body : {
             R"({"version":"v2","events":{}})",
             R"({"version":"v2","events":{"bounced":[]}})",
             R"({"version":"v2","events":{"failed":{}}})",
             R"({"version":"v2","events":{"failed":null}})",
             R"({"version":"v2","events":{"failed":"[]"}})",
             R"({"version":"v2","events":{"failed":1}})",
         }) {
        SCOPED_TRACE(body);
        expect_refused(post(body), MG_BAD_REQUEST, missing_parameters);
    }
}

TEST_F(SmtpDriver, NonObjectBodyIsMissingParameters)
{
    for (const char* body :
         {"[]", R"([{"version":"v2","events":{"failed":[]}}])", "null", "1", R"("v2")", "true"}) {
        SCOPED_TRACE(body);
        expect_refused(post(body), MG_BAD_REQUEST, missing_parameters);
    }
}

TEST_F(SmtpDriver, ExactlyOneThousandItemsAreAccepted)
{
    for (int n = 0; n < 1000; ++n) {
        accept_user(n);
    }
    callback_result result = post(soft_bounces(1000));
    ASSERT_EQ(result.status, MG_OK) << result.error;
    ASSERT_EQ(result.events.size(), 1000u);
    EXPECT_TRUE(result.rejected.empty());
    EXPECT_EQ(failures(result).front(),
              (failure{MG_EVENT_SOFT_BOUNCE, "user0@example.com", "meta-0", ""}));
    EXPECT_EQ(failures(result).back(),
              (failure{MG_EVENT_SOFT_BOUNCE, "user999@example.com", "meta-999", ""}));
}

TEST_F(SmtpDriver, MoreThanOneThousandItemsAreRefusedBeforeAnyEvent)
{
    for (int n = 0; n < 1001; ++n) {
        accept_user(n);
    }
    expect_refused(post(soft_bounces(1001)), MG_TOO_MANY_EVENTS, too_many_events);
    // Items that would all be rejected count as much as events.
    expect_refused(post(v2_body(std::vector<std::string>(1001, "{}"))), MG_TOO_MANY_EVENTS,
                   too_many_events);
}

TEST_F(SmtpDriver, NonJsonIsUnreadable)
{
    expect_refused(post("version=v2&type=spam&email=user1@example.com"), MG_BAD_REQUEST,
                   unreadable_body);
}

TEST_F(SmtpDriver, EmptyBodyIsUnreadable)
{
    expect_refused(post(""), MG_BAD_REQUEST, unreadable_body);
}

TEST_F(SmtpDriver, TruncatedJsonIsUnreadable)
{
    std::string body = soft_bounces(2);
    expect_refused(post(body.substr(0, body.size() - 5)), MG_BAD_REQUEST, unreadable_body);
}

TEST_F(SmtpDriver, TrailingGarbageIsUnreadable)
{
    expect_refused(post(soft_bounces(1) + " x"), MG_BAD_REQUEST, unreadable_body);
}

TEST_F(SmtpDriver, InvalidUtf8IsUnreadable)
{
    for (const char* email : {"\xff\xfe@example.com", "\xc3@example.com"}) {
        expect_refused(post(v2_body({R"({"type":"spam","email":")" + std::string(email) +
                                     R"(","meta":"m"})"})),
                       MG_BAD_REQUEST, unreadable_body);
    }
}

TEST_F(SmtpDriver, DeepNestingIsUnreadable)
{
    expect_refused(post(std::string(10000, '[')), MG_BAD_REQUEST, unreadable_body);
    // Well-formed but deeper than the driver reads, inside an otherwise valid item.
    std::string deep = std::string(10000, '[') + std::string(10000, ']');
    expect_refused(post(v2_body({R"({"type":"spam","email":"user1@example.com","meta":"meta-1",)"
                                 R"("extra":)" +
                                 deep + "}"})),
                   MG_BAD_REQUEST, unreadable_body);
}

TEST_F(SmtpDriver, TenMegabytesOfBinaryIsUnreadable)
{
    std::mt19937 random(42);
    std::string body(10 * 1024 * 1024, '\0');
    for (char& c : body) {
        c = static_cast<char>(random() & 0xff);
    }
    body[0] = '\x80'; // whatever the generator gives, the body cannot start a JSON value
    expect_refused(post(body), MG_BAD_REQUEST, unreadable_body);
    // The same bytes inside a well-started string: the parser reads into them before failing.
    expect_refused(post(R"({"version":"v2","events":{"failed":[{"email":")" + body), MG_BAD_REQUEST,
                   unreadable_body);
}

TEST_F(SmtpDriver, HeadIsOkWithNoEvents)
{
    callback_result result = request("HEAD", "");
    EXPECT_EQ(result.status, MG_OK) << result.error;
    EXPECT_TRUE(result.events.empty());
    EXPECT_TRUE(result.rejected.empty());
}

// ESPs probe the URL before they are given its credentials.
TEST_F(SmtpDriver, HeadNeedsNoCredentials)
{
    fake_host::instance guarded = provider({{"callback_token", token}});
    mailgate::sdk::testing::request req;
    req.method = "HEAD";
    callback_result result = host_.parse(guarded, req);
    EXPECT_EQ(result.status, MG_OK) << result.error;
    EXPECT_TRUE(result.events.empty());
    EXPECT_TRUE(result.rejected.empty());
}

TEST_F(SmtpDriver, OtherMethodsAreUnsupported)
{
    for (const char* method : {"GET", "PUT", "DELETE", "post"}) {
        SCOPED_TRACE(method);
        expect_refused(request(method, soft_bounces(1)), MG_UNSUPPORTED, "method not allowed");
    }
}

TEST_F(SmtpDriver, TokenInTheQueryIsAccepted)
{
    fake_host::instance guarded = provider({{"callback_token", token}});
    expect_accepted(
        send(guarded, std::string(callback_target) + "?token=" + token, v2_body({good_item()})));
    expect_accepted(send(guarded, std::string(callback_target) + "?a=1&token=" + token + "&b=2",
                         v2_body({good_item()})));
}

TEST_F(SmtpDriver, TokenInTheQueryIsPercentDecoded)
{
    fake_host::instance guarded = provider({{"callback_token", "abc def/ghi=jkl&mno"}});
    expect_accepted(send(guarded,
                         std::string(callback_target) + "?token=abc%20def%2Fghi%3Djkl%26mno",
                         v2_body({good_item()})));
}

TEST_F(SmtpDriver, TokenInTheHeaderIsAccepted)
{
    fake_host::instance guarded = provider({{"callback_token", token}});
    expect_accepted(
        send(guarded, callback_target, v2_body({good_item()}), {{"x-mailgate-token", token}}));
}

TEST_F(SmtpDriver, BearerTokenIsAccepted)
{
    fake_host::instance guarded = provider({{"callback_token", token}});
    for (const std::string& value :
         {"Bearer " + std::string(token), "bearer " + std::string(token)}) {
        SCOPED_TRACE(value);
        expect_accepted(
            send(guarded, callback_target, v2_body({good_item()}), {{"Authorization", value}}));
    }
}

// Whatever the body, a caller without the token learns nothing about it: the 401 comes first.
TEST_F(SmtpDriver, MissingOrWrongTokenIsUnauthorizedBeforeTheBodyIsRead)
{
    fake_host::instance guarded = provider({{"callback_token", token}});
    const std::string wrong = "k7Qz2mW9xR4tL8vM";
    const std::string target = callback_target;
    struct attempt {
        std::string target;
        std::vector<std::pair<std::string, std::string>> headers;
    };
    const std::vector<attempt> attempts = {
        {target, {}},
        {target + "?token=" + wrong, {}},
        {target + "?token=" + std::string(token).substr(0, 15), {}},
        {target + "?token=" + token + "x", {}},
        {target + "?token=", {}},
        {target + "?Token=" + token, {}},
        {target + "#token=" + token, {}},
        {target, {{"X-Mailgate-Token", wrong}}},
        {target, {{"X-Token", token}}},
        {target, {{"Authorization", "Bearer " + wrong}}},
        {target, {{"Authorization", "Bearer"}}},
        {target, {{"Authorization", "Bearer "}}},
        {target, {{"Authorization", "Bearer" + std::string(token)}}},
        {target, {{"Authorization", "Basic " + std::string(token)}}},
        {target, {{"Authorization", token}}},
    };
    for (const attempt& a : attempts) {
        SCOPED_TRACE(a.target + (a.headers.empty() ? "" : " " + a.headers[0].second));
        for (const std::string& body : {v2_body({good_item()}), std::string("{not json")}) {
            expect_refused(send(guarded, a.target, body, a.headers), MG_UNAUTHORIZED,
                           bad_credentials);
        }
    }
}

TEST_F(SmtpDriver, BasicCredentialsAreAccepted)
{
    struct account {
        const char* username;
        const char* password;
        const char* header; // base64 computed independently, one per padding length
    };
    for (const account& a :
         {account{"Aladdin", "open sesame", "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="},
          account{"ab", "cd", "Basic YWI6Y2Q="}, account{"a", "b", "Basic YTpi"}}) {
        SCOPED_TRACE(a.header);
        fake_host::instance guarded =
            provider({{"callback_username", a.username}, {"callback_password", a.password}});
        expect_accepted(
            send(guarded, callback_target, v2_body({good_item()}), {{"Authorization", a.header}}));
    }
}

TEST_F(SmtpDriver, WrongBasicCredentialsAreUnauthorizedBeforeTheBodyIsRead)
{
    fake_host::instance guarded =
        provider({{"callback_username", "Aladdin"}, {"callback_password", "open sesame"}});
    for (const char* header :
         {"", "Basic QWxhZGRpbjpvcGVuIHNlc2FtZR==", "Basic QWxhZGRpbjpvcGVu",
          "Basic YWxhZGRpbjpvcGVuIHNlc2FtZQ==", "Basic ",
          "Bearer QWxhZGRpbjpvcGVuIHNlc2FtZQ==", "QWxhZGRpbjpvcGVuIHNlc2FtZQ=="}) {
        SCOPED_TRACE(header);
        std::vector<std::pair<std::string, std::string>> headers;
        if (*header != '\0') {
            headers.emplace_back("Authorization", header);
        }
        for (const std::string& body : {v2_body({good_item()}), std::string("{not json")}) {
            expect_refused(send(guarded, callback_target, body, headers), MG_UNAUTHORIZED,
                           bad_credentials);
        }
    }
}

TEST_F(SmtpDriver, TokenAndBasicConfiguredTogetherNeedBoth)
{
    fake_host::instance guarded = provider({{"callback_token", token},
                                            {"callback_username", "Aladdin"},
                                            {"callback_password", "open sesame"}});
    const std::string basic = "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==";
    expect_accepted(send(guarded, std::string(callback_target) + "?token=" + token,
                         v2_body({good_item()}), {{"Authorization", basic}}));
    expect_refused(
        send(guarded, std::string(callback_target) + "?token=" + token, v2_body({good_item()})),
        MG_UNAUTHORIZED, bad_credentials);
    expect_refused(
        send(guarded, callback_target, v2_body({good_item()}), {{"Authorization", basic}}),
        MG_UNAUTHORIZED, bad_credentials);
}

TEST_F(SmtpDriver, WithoutAuthenticationCallbacksAreAcceptedAndAWarningLogged)
{
    expect_accepted(post(v2_body({good_item()})));
    EXPECT_THAT(host_.logs(),
                ElementsAre(AllOf(StartsWith("WARN "), HasSubstr("without authentication"))));
}

TEST_F(SmtpDriver, WithAuthenticationNothingIsLogged)
{
    fake_host fresh;
    const mg_driver& driver = fresh.load_library(MAILGATE_SMTP_DRIVER);
    fresh.create(driver, {{"host", "smtp.example.com"}, {"callback_token", token}});
    fresh.create(
        driver,
        {{"host", "smtp.example.com"}, {"callback_username", "esp"}, {"callback_password", "pw"}});
    EXPECT_TRUE(fresh.logs().empty());
}

TEST_F(SmtpDriver, CallbackTokenShorterThanSixteenCharactersFailsNamingIt)
{
    for (const char* short_token : {"", "k7Qz2mW9xR4tL8v"}) {
        SCOPED_TRACE(short_token);
        std::string error = create_error({{"callback_token", short_token}});
        EXPECT_THAT(error, HasSubstr("(status 4)"));
        EXPECT_THAT(error, HasSubstr("callback_token: must be at least 16 characters"));
    }
    EXPECT_EQ(create_error({{"callback_token", token}}), "");
}

TEST_F(SmtpDriver, CallbackUsernameAndPasswordGoTogether)
{
    std::string error = create_error({{"callback_username", "esp"}});
    EXPECT_THAT(error, HasSubstr("(status 4)"));
    EXPECT_THAT(error, HasSubstr("callback_password: "));

    error = create_error({{"callback_password", "pw"}});
    EXPECT_THAT(error, HasSubstr("(status 4)"));
    EXPECT_THAT(error, HasSubstr("callback_username: "));
}

TEST_F(SmtpDriver, BadSmtpSettingsFailNamingTheOption)
{
    for (const char* port : {"0", "65536", "-1"}) {
        SCOPED_TRACE(port);
        std::string error = create_error({{"port", port}});
        EXPECT_THAT(error, HasSubstr("(status 4)"));
        EXPECT_THAT(error, HasSubstr("port: "));
    }
    EXPECT_THAT(create_error({{"scheme", "ssl"}}), HasSubstr("scheme: "));
    EXPECT_THAT(create_error({{"host", ""}}), HasSubstr("host: "));
}

// A scheme that cannot work on its port would only time out at the first send.
TEST_F(SmtpDriver, RefusesASchemeItsPortCannotSpeak)
{
    EXPECT_THAT(create_error({{"port", "465"}, {"scheme", "starttls"}}),
                HasSubstr("scheme: port 465 is implicit TLS: use scheme: smtps, not 'starttls'"));
    EXPECT_THAT(create_error({{"port", "465"}, {"scheme", "smtp"}}), HasSubstr("scheme: port 465"));
    EXPECT_THAT(create_error({{"port", "587"}, {"scheme", "smtps"}}),
                HasSubstr("scheme: port 587 greets in clear and upgrades with STARTTLS"));
    EXPECT_THAT(create_error({{"port", "25"}, {"scheme", "smtps"}}), HasSubstr("scheme: port 25"));
    EXPECT_EQ(create_error({{"port", "2525"}, {"scheme", "smtps"}}), "") << "no convention";
    EXPECT_EQ(create_error({{"port", "587"}, {"scheme", "smtp"}}), "");
}

TEST_F(SmtpDriver, GmailSettingsAreAccepted)
{
    EXPECT_EQ(create_error({{"host", "smtp.gmail.com"},
                            {"port", "465"},
                            {"scheme", "smtps"},
                            {"username", "news@example.com"},
                            {"password", "abcdefghijklmnop"},
                            {"verify_tls", "true"}}),
              "");
}

TEST_F(SmtpDriver, DecorateAddsExactlyTheMetaHeader)
{
    mailgate::sdk::testing::message message;
    message.meta = "v1.abc_DEF-123";
    auto [status, headers] = host_.decorate(instance_, message);
    EXPECT_EQ(status, MG_OK);
    EXPECT_EQ(headers, (std::vector<std::pair<std::string, std::string>>{
                           {"X-Mailgate-Meta", "v1.abc_DEF-123"}}));
}

TEST_F(SmtpDriver, DecorateRefusesAnEmptyMeta)
{
    mailgate::sdk::testing::message message;
    auto [status, headers] = host_.decorate(instance_, message);
    EXPECT_EQ(status, MG_BAD_REQUEST);
    EXPECT_TRUE(headers.empty());
}

} // namespace
