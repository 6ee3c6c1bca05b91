// The mandrill driver as the gateway sees it: the built .so loaded through its C entry point by
// the SDK's fake host, fed the signed form posts Mandrill (or an attacker) may send, including
// every case of the signature vectors, and the messages it stamps.

#include <mailgate/sdk/abi.h>
#include <mailgate/sdk/testing/fake_host.hpp>

#include "driver_test_support.hpp"

// Boost.JSON reads the vectors file and checks the metadata header. Its implementation comes
// from the Boost::json library the test links: the test files share one executable, so none of
// them may compile it in from <boost/json/src.hpp>.
#include <boost/json.hpp>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace {

namespace json = boost::json;

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

using fields = std::vector<std::pair<std::string, std::string>>;

constexpr const char* bad_signature = "missing or wrong X-Mandrill-Signature";
constexpr const char* wrong_content_type = "Content-Type must be application/x-www-form-urlencoded";
constexpr const char* form_type = "application/x-www-form-urlencoded";

constexpr const char* webhook_key = "Xq3lT9bZ0wVnR2yKc8uJ1A";
// The fake host's public callback URL, the default webhook_url.
constexpr const char* public_url = "https://gateway.test/v1/callbacks/test";

// Everything an emitted event carries.
struct emitted {
    int32_t kind = 0;
    uint32_t flags = 0;
    int64_t occurred_at = 0;
    std::string email;
    std::string meta;
    std::string description;
    std::string provider_event_id;
    std::string detail_json;
    std::string reason = {};
    std::string remote_mta = {};

    bool operator==(const emitted&) const = default;
};

std::ostream& operator<<(std::ostream& out, const emitted& e)
{
    return out << "{kind " << e.kind << ", flags " << e.flags << ", at " << e.occurred_at << ", "
               << e.email << ", meta '" << e.meta << "', '" << e.description << "', id '"
               << e.provider_event_id << "', " << e.detail_json << ", reason '" << e.reason
               << "', mta '" << e.remote_mta << "'}";
}

std::vector<emitted> events_of(const callback_result& result)
{
    std::vector<emitted> out;
    for (const auto& e : result.events) {
        out.push_back({e.kind, e.flags, e.occurred_at, e.email, e.meta, e.description,
                       e.provider_event_id, e.detail_json, e.reason, e.remote_mta});
    }
    return out;
}

// application/x-www-form-urlencoded as browsers and Mandrill write it: unreserved characters
// as they are, a space as '+', every other byte (UTF-8 included) as %XX.
std::string form_encode(std::string_view text)
{
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~' || c == '*') {
            out += static_cast<char>(c);
        } else if (c == ' ') {
            out += '+';
        } else {
            char escape[4];
            std::snprintf(escape, sizeof escape, "%%%02X", c);
            out += escape;
        }
    }
    return out;
}

std::string form_body(const fields& form)
{
    std::string out;
    for (const auto& [name, value] : form) {
        out += (out.empty() ? "" : "&") + form_encode(name) + "=" + form_encode(value);
    }
    return out;
}

// Computed here from the documented steps, independently of the driver: base64 of
// HMAC-SHA1(key, url + each name and value, sorted by name).
std::string mandrill_signature(const std::string& key, const std::string& url, fields form)
{
    std::sort(form.begin(), form.end());
    std::string text = url;
    for (const auto& [name, value] : form) {
        text += name + value;
    }
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest, &size);
    unsigned char base64[64];
    int length = EVP_EncodeBlock(base64, digest, static_cast<int>(size));
    return std::string(reinterpret_cast<const char*>(base64), length);
}

json::value read_vectors()
{
    std::ifstream file(MAILGATE_MANDRILL_VECTORS);
    if (!file) {
        throw std::runtime_error("cannot open " MAILGATE_MANDRILL_VECTORS);
    }
    std::stringstream text;
    text << file.rdbuf();
    return json::parse(text.str());
}

const json::object& vector_case(const json::value& vectors, std::string_view name)
{
    for (const json::value& c : vectors.at("cases").as_array()) {
        if (c.at("name").as_string() == name) {
            return c.as_object();
        }
    }
    throw std::runtime_error("no vector case " + std::string(name));
}

fields decoded_params(const json::object& c)
{
    fields out;
    for (const auto& param : c.at("post_params_decoded").as_object()) {
        out.emplace_back(std::string(param.key()), std::string(param.value().as_string()));
    }
    return out;
}

// The case's body: the captured bytes when the vector has them.
std::string vector_body(const json::object& c)
{
    if (const json::value* raw = c.if_contains("raw_body_x_www_form_urlencoded")) {
        return std::string(raw->as_string());
    }
    return form_body(decoded_params(c));
}

std::string email_of(int n)
{
    return "user" + std::to_string(n) + "@example.com";
}

std::string meta_of(int n)
{
    return "meta-" + std::to_string(n);
}

// A message event for user<n>; `msg_extra` is JSON members appended to msg.
std::string message_event(const std::string& event, int n, const std::string& msg_extra = "")
{
    return R"({"event":")" + event + R"(","_id":"id-)" + std::to_string(n) +
           R"(","ts":1700000100,"msg":{"email":")" + email_of(n) + "\"" +
           (msg_extra.empty() ? "" : "," + msg_extra) + "}}";
}

std::string with_meta(int n)
{
    return R"("metadata":{"mailgate_meta":")" + meta_of(n) + R"("})";
}

std::string batch(const std::vector<std::string>& items)
{
    std::string out = "[";
    for (std::size_t i = 0; i < items.size(); ++i) {
        out += (i == 0 ? "" : ",") + items[i];
    }
    return out + "]";
}

class MandrillDriver : public ::testing::Test {
protected:
    MandrillDriver()
    {
        for (int n = 1; n <= 5; ++n) {
            host_.accept_meta(meta_of(n), email_of(n));
        }
    }

    fake_host::instance provider(fake_host::options_map options = {})
    {
        options.emplace("webhook_key", webhook_key);
        return host_.create(driver_, options);
    }

    // A POST of `body` as a form, with these headers besides the content type.
    callback_result post_form(const fake_host::instance& inst, std::string body,
                              std::vector<std::pair<std::string, std::string>> headers)
    {
        headers.emplace_back("Content-Type", form_type);
        return host_.post(inst, std::move(body), std::move(headers));
    }

    // The form signed as Mandrill signs it for the default webhook URL.
    callback_result post_signed(const fields& form)
    {
        return post_form(
            instance_, form_body(form),
            {{"X-Mandrill-Signature", mandrill_signature(webhook_key, public_url, form)}});
    }

    callback_result post_events(const std::string& events_json)
    {
        return post_signed({{"mandrill_events", events_json}});
    }

    callback_result request(std::string method)
    {
        mailgate::sdk::testing::request req;
        req.method = std::move(method);
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

    void expect_refused(const callback_result& result, mg_status status, const std::string& message)
    {
        EXPECT_EQ(result.status, status);
        EXPECT_EQ(result.error, message);
        EXPECT_TRUE(result.events.empty());
        EXPECT_TRUE(result.rejected.empty());
    }

    void expect_only_rejected(const callback_result& result, const std::string& item_json,
                              const std::string& reason)
    {
        EXPECT_EQ(result.status, MG_OK) << result.error;
        EXPECT_TRUE(result.events.empty());
        EXPECT_EQ(rejections(result), (std::vector<rejection>{{item_json, reason}}));
    }

    void expect_nothing(const callback_result& result)
    {
        EXPECT_EQ(result.status, MG_OK) << result.error;
        EXPECT_TRUE(result.events.empty());
        EXPECT_TRUE(result.rejected.empty());
    }

    // The kind and flags of the one event `item` emits.
    std::pair<int32_t, uint32_t> kind_of(const std::string& item)
    {
        callback_result result = post_events(batch({item}));
        EXPECT_EQ(result.status, MG_OK) << result.error;
        EXPECT_TRUE(result.rejected.empty()) << item;
        if (result.events.size() != 1) {
            ADD_FAILURE() << item;
            return {0, 0};
        }
        return {result.events[0].kind, result.events[0].flags};
    }

    fake_host host_;
    const mg_driver& driver_ = host_.load_library(MAILGATE_MANDRILL_DRIVER);
    fake_host::instance instance_ = provider();
};

TEST_F(MandrillDriver, DescriptorDeclaresTheMandrillDriver)
{
    EXPECT_EQ(driver_.abi_major, MG_ABI_VERSION_MAJOR);
    EXPECT_EQ(driver_.abi_minor, MG_ABI_VERSION_MINOR);
    EXPECT_STREQ(driver_.id, "mandrill");
    EXPECT_STREQ(driver_.version, "1.0.0");
    ASSERT_NE(driver_.description, nullptr);
    EXPECT_GT(std::strlen(driver_.description), 0u);
    EXPECT_EQ(std::strchr(driver_.description, '\n'), nullptr);
    EXPECT_EQ(driver_.capabilities, uint64_t{MG_CAP_CALLBACKS | MG_CAP_DECORATE | MG_CAP_SMTP});
    EXPECT_EQ(driver_.max_callback_events, 1000u);
    EXPECT_NE(driver_.parse_callback, nullptr);
    EXPECT_NE(driver_.decorate, nullptr);
}

TEST_F(MandrillDriver, OptionTableIsTheSmtpSetWithMandrillDefaultsPlusWebhookOptions)
{
    EXPECT_EQ(driver_.option_count, 13u);
    for (const char* name :
         {"host", "port", "scheme", "username", "password", "from_name", "from_address",
          "reply_address", "preference_center", "bounce_domain"}) {
        EXPECT_NE(find_option(driver_, name), nullptr) << name;
    }
    const mg_option* host = find_option(driver_, "host");
    ASSERT_NE(host, nullptr);
    EXPECT_EQ(host->flags, 0u);
    EXPECT_STREQ(host->default_value, "smtp.mandrillapp.com");
    EXPECT_STREQ(find_option(driver_, "port")->default_value, "587");
    EXPECT_STREQ(find_option(driver_, "scheme")->default_value, "starttls");
    EXPECT_EQ(find_option(driver_, "password")->flags, uint32_t{MG_OPTION_SECRET});

    const mg_option* key = find_option(driver_, "webhook_key");
    ASSERT_NE(key, nullptr);
    EXPECT_EQ(key->type, MG_OPTION_STRING);
    EXPECT_EQ(key->flags, uint32_t{MG_OPTION_SECRET});
    EXPECT_EQ(key->default_value, nullptr);

    const mg_option* url = find_option(driver_, "webhook_url");
    ASSERT_NE(url, nullptr);
    EXPECT_EQ(url->type, MG_OPTION_STRING);
    EXPECT_EQ(url->flags, 0u);
    EXPECT_EQ(url->default_value, nullptr);

    const mg_option* allow_unsigned = find_option(driver_, "allow_unsigned");
    ASSERT_NE(allow_unsigned, nullptr);
    EXPECT_EQ(allow_unsigned->type, MG_OPTION_BOOL);
    EXPECT_STREQ(allow_unsigned->default_value, "false");
}

TEST_F(MandrillDriver, EveryVectorGivesItsExpectedVerdict)
{
    json::value vectors = read_vectors();
    const json::array& cases = vectors.at("cases").as_array();
    ASSERT_EQ(cases.size(), 9u);
    for (const json::value& v : cases) {
        const json::object& c = v.as_object();
        SCOPED_TRACE(std::string(c.at("name").as_string()));
        fake_host::instance keyed =
            host_.create(driver_, {{"webhook_key", std::string(c.at("webhook_key").as_string())},
                                   {"webhook_url", std::string(c.at("webhook_url").as_string())}});
        callback_result result = post_form(
            keyed, vector_body(c),
            {{"X-Mandrill-Signature", std::string(c.at("x_mandrill_signature").as_string())}});
        if (c.at("expected_valid").as_bool()) {
            EXPECT_EQ(result.status, MG_OK) << result.error;
        } else {
            expect_refused(result, MG_UNAUTHORIZED, bad_signature);
        }
    }
}

// The raw captured body was encoded by Mandrill; a body encoded here must verify the same way.
TEST_F(MandrillDriver, CapturedCaseVerifiesFromItsDecodedParametersToo)
{
    json::value vectors = read_vectors();
    const json::object& c = vector_case(vectors, "mandrill_rails_click_captured");
    fake_host::instance keyed =
        host_.create(driver_, {{"webhook_key", "ntynTMaFpM_octE5R1DKAw"},
                               {"webhook_url", "http://requestb.in/q9a918q9"}});
    callback_result result = post_form(keyed, form_body(decoded_params(c)),
                                       {{"X-Mandrill-Signature", "7rUa4lNJitlb178MgGOcHO6T4Bg="}});
    EXPECT_EQ(result.status, MG_OK) << result.error;
    EXPECT_EQ(result.events.size(), 2u);
}

TEST_F(MandrillDriver, CapturedBatchMapsToTwoExactClickEvents)
{
    json::value vectors = read_vectors();
    const json::object& c = vector_case(vectors, "mandrill_rails_click_captured");
    fake_host::instance keyed =
        host_.create(driver_, {{"webhook_key", "ntynTMaFpM_octE5R1DKAw"},
                               {"webhook_url", "http://requestb.in/q9a918q9"}});
    callback_result result = post_form(keyed, vector_body(c),
                                       {{"X-Mandrill-Signature", "7rUa4lNJitlb178MgGOcHO6T4Bg="}});
    ASSERT_EQ(result.status, MG_OK) << result.error;
    // Click events carry no top-level _id: the host hashes them instead. The metadata has no
    // mailgate_meta, so they are attributed by address only.
    const emitted click{MG_EVENT_CLICKED,
                        0,
                        1379233940,
                        "example.webhook@mandrillapp.com",
                        "",
                        "",
                        "",
                        R"({"state":"sent","_id":"exampleaaaaaaaaaaaaaaaaaaaaaaaaa",)"
                        R"("url":"http://mandrill.com"})"};
    EXPECT_EQ(events_of(result), (std::vector<emitted>{click, click}));
    EXPECT_TRUE(result.rejected.empty());
}

TEST_F(MandrillDriver, SampleWebhookMapsSendHardBounceAndOpen)
{
    json::value vectors = read_vectors();
    const json::object& c = vector_case(vectors, "mandrill_net_sample_webhook");
    fake_host::instance keyed =
        host_.create(driver_, {{"webhook_key", "f7YEknp5hLvZVw6BNSaM6g"},
                               {"webhook_url", "http://requestb.in/wvhpa9wv"}});
    callback_result result = post_form(keyed, vector_body(c),
                                       {{"X-Mandrill-Signature", "NnvRYvKo0gA99/YGgRSb2JS4c/Y="}});
    ASSERT_EQ(result.status, MG_OK) << result.error;
    const std::string reply = "550 5.1.1 The email account that you tried to reach does not "
                              "exist. Please try double-checking the recipient's email address "
                              "for typos or unnecessary spaces.";
    const std::string email = "example.webhook@mandrillapp.com";
    EXPECT_EQ(events_of(result),
              (std::vector<emitted>{
                  {MG_EVENT_PROCESSED, 0, 1432328547, email, "", "",
                   "exampleaaaaaaaaaaaaaaaaaaaaaaaaa:send:1432328547",
                   R"({"state":"sent","_id":"exampleaaaaaaaaaaaaaaaaaaaaaaaaa"})"},
                  {MG_EVENT_HARD_BOUNCE, 0, 1432328547, email, "", reply,
                   "exampleaaaaaaaaaaaaaaaaaaaaaaaaa1:hard_bounce:1432328547",
                   R"({"bounce_description":"bad_mailbox","diag":"smtp;)" + reply +
                       R"(","state":"bounced","_id":"exampleaaaaaaaaaaaaaaaaaaaaaaaaa1"})",
                   "userunknown"},
                  {MG_EVENT_OPENED, 0, 1432328547, email, "", "",
                   "exampleaaaaaaaaaaaaaaaaaaaaaaaaa2:open:1432328547",
                   R"({"state":"sent","_id":"exampleaaaaaaaaaaaaaaaaaaaaaaaaa2"})"},
              }));
    EXPECT_TRUE(result.rejected.empty());
}

TEST_F(MandrillDriver, SignatureOverAnotherUrlFails)
{
    const fields form = {{"mandrill_events", batch({message_event("send", 1, with_meta(1))})}};
    const std::string body = form_body(form);
    for (const std::string& signed_url : {std::string("https://gateway.test/v1/callbacks/test/"),
                                          std::string("http://gateway.test/v1/callbacks/test"),
                                          std::string("https://gateway.test/v1/callbacks/test?x=1"),
                                          std::string("https://mandrill.example.com/hook")}) {
        SCOPED_TRACE(signed_url);
        expect_refused(post_form(instance_, body,
                                 {{"X-Mandrill-Signature",
                                   mandrill_signature(webhook_key, signed_url, form)}}),
                       MG_UNAUTHORIZED, bad_signature);
    }
}

// Behind a proxy the gateway's public URL is not what Mandrill signs: webhook_url is.
TEST_F(MandrillDriver, ConfiguredWebhookUrlReplacesThePublicUrl)
{
    const std::string configured = "https://user:pw@hooks.example.com/mandrill?tenant=7";
    fake_host::instance behind_proxy = provider({{"webhook_url", configured}});
    const fields form = {{"mandrill_events", batch({message_event("send", 1, with_meta(1))})}};
    callback_result result =
        post_form(behind_proxy, form_body(form),
                  {{"X-Mandrill-Signature", mandrill_signature(webhook_key, configured, form)}});
    EXPECT_EQ(result.status, MG_OK) << result.error;
    EXPECT_EQ(result.events.size(), 1u);
    expect_refused(
        post_form(behind_proxy, form_body(form),
                  {{"X-Mandrill-Signature", mandrill_signature(webhook_key, public_url, form)}}),
        MG_UNAUTHORIZED, bad_signature);
}

TEST_F(MandrillDriver, ParameterOrderInTheBodyDoesNotMatter)
{
    json::value vectors = read_vectors();
    const json::object& c = vector_case(vectors, "derived_multiple_params_sorted");
    fake_host::instance keyed = host_.create(
        driver_, {{"webhook_key", "k3y"}, {"webhook_url", "https://example.com/hook?tenant=7"}});
    fields form = {
        {"a_extra", "1"}, {"b_extra", "2"}, {"mandrill_events", R"([{"event":"send"}])"}};
    ASSERT_EQ(std::string(c.at("x_mandrill_signature").as_string()),
              "VjZM62MAhMTRcrfEQ6AZKv3FyZw=");
    do {
        SCOPED_TRACE(form_body(form));
        callback_result result = post_form(
            keyed, form_body(form), {{"X-Mandrill-Signature", "VjZM62MAhMTRcrfEQ6AZKv3FyZw="}});
        // Verified; its one event names no recipient.
        expect_only_rejected(result, R"({"event":"send"})", "invalid email");
    } while (std::next_permutation(form.begin(), form.end()));
}

TEST_F(MandrillDriver, MailchimpSignatureHeaderIsAccepted)
{
    const fields form = {{"mandrill_events", batch({message_event("send", 1, with_meta(1))})}};
    callback_result result =
        post_form(instance_, form_body(form),
                  {{"x-mailchimp-signature", mandrill_signature(webhook_key, public_url, form)}});
    EXPECT_EQ(result.status, MG_OK) << result.error;
    EXPECT_EQ(result.events.size(), 1u);
}

// Whatever the body, a caller without the signature learns nothing about it: the 401 comes
// before the events are read.
TEST_F(MandrillDriver, MissingOrWrongSignatureIsUnauthorizedBeforeTheEventsAreRead)
{
    const fields form = {{"mandrill_events", batch({message_event("send", 1, with_meta(1))})}};
    const std::string good = mandrill_signature(webhook_key, public_url, form);
    ASSERT_EQ(good.size(), 28u);
    std::string flipped = good;
    flipped[0] = flipped[0] == 'A' ? 'B' : 'A';
    const std::vector<std::vector<std::pair<std::string, std::string>>> attempts = {
        {},
        {{"X-Mandrill-Signature", ""}},
        {{"X-Mandrill-Signature", flipped}},
        {{"X-Mandrill-Signature", good.substr(0, 27)}},
        {{"X-Mandrill-Signature", good + "="}},
        {{"X-Mandrill-Signature", " " + good}},
        {{"X-Mandrill-Signature", mandrill_signature("other-key", public_url, form)}},
        {{"X-Signature", good}},
    };
    for (const auto& headers : attempts) {
        SCOPED_TRACE(headers.empty() ? "no header" : headers[0].first + ": " + headers[0].second);
        for (const std::string& body :
             {form_body(form), std::string("mandrill_events=%7Bnot"), std::string("other=1")}) {
            expect_refused(post_form(instance_, body, headers), MG_UNAUTHORIZED, bad_signature);
        }
    }
}

// The last base64 character of a 20-byte digest carries two unused bits: another spelling of
// it decodes to the same bytes, but is not what Mandrill sends.
TEST_F(MandrillDriver, NonCanonicalBase64OfTheRightDigestIsRefused)
{
    const fields form = {{"mandrill_events", "[]"}};
    std::string good = mandrill_signature(webhook_key, public_url, form);
    std::string other = good;
    // Canonically those bits are zero, so the next character (A->B, 0->1, ...) is a valid
    // base64 digit that differs in them only.
    other[26] = static_cast<char>(other[26] + 1);
    expect_refused(post_form(instance_, form_body(form), {{"X-Mandrill-Signature", other}}),
                   MG_UNAUTHORIZED, bad_signature);
    expect_nothing(post_form(instance_, form_body(form), {{"X-Mandrill-Signature", good}}));
}

TEST_F(MandrillDriver, EachEventTypeIsMappedExactly)
{
    const std::vector<std::pair<std::string, int32_t>> types = {
        {"hard_bounce", MG_EVENT_HARD_BOUNCE},
        {"soft_bounce", MG_EVENT_SOFT_BOUNCE},
        {"reject", MG_EVENT_DROPPED},
        {"spam", MG_EVENT_SPAM},
        {"unsub", MG_EVENT_UNSUBSCRIBED},
        {"deferral", MG_EVENT_DEFERRED},
        {"send", MG_EVENT_PROCESSED},
        {"delivered", MG_EVENT_DELIVERED},
        {"open", MG_EVENT_OPENED},
        {"click", MG_EVENT_CLICKED},
    };
    for (const auto& [type, kind] : types) {
        SCOPED_TRACE(type);
        EXPECT_EQ(kind_of(message_event(type, 1, with_meta(1))), std::make_pair(kind, 0u));
    }
}

TEST_F(MandrillDriver, EventFieldsAreReadExactly)
{
    callback_result result = post_events(batch({
        R"({"event":"soft_bounce","_id":"evt-1","ts":1700000101,"url":"ignored-but-kept",)"
        R"("msg":{"ts":1700000000,"_id":"msg-1","email":"user1@example.com","state":"soft-bounced",)"
        R"("subaccount":"eu","bounce_description":"mailbox_full","diag":"smtp;552 5.2.2 Over Quota",)"
        R"("metadata":{"mailgate_meta":"meta-1","user_id":5},"tags":["c1"]}})",
        R"({"event":"deferral","_id":"evt-2","ts":1700000102,)"
        R"("msg":{"email":"user2@example.com","state":"deferred","subaccount":null,)"
        R"("diag":"451 4.3.5 Temporarily unavailable","metadata":[]}})",
    }));
    ASSERT_EQ(result.status, MG_OK) << result.error;
    EXPECT_EQ(events_of(result),
              (std::vector<emitted>{
                  {MG_EVENT_SOFT_BOUNCE, 0, 1700000101, "user1@example.com", "meta-1",
                   "552 5.2.2 Over Quota", "evt-1:soft_bounce:1700000101",
                   R"({"bounce_description":"mailbox_full","diag":"smtp;552 5.2.2 Over Quota",)"
                   R"("state":"soft-bounced","_id":"msg-1","subaccount":"eu",)"
                   R"("url":"ignored-but-kept"})",
                   "mailboxfull"},
                  {MG_EVENT_DEFERRED, 0, 1700000102, "user2@example.com", "",
                   "451 4.3.5 Temporarily unavailable", "evt-2:deferral:1700000102",
                   R"({"diag":"451 4.3.5 Temporarily unavailable","state":"deferred"})"},
              }));
    EXPECT_TRUE(result.rejected.empty());
}

TEST_F(MandrillDriver, EventWithoutDetailsHasNoDetailJsonAndNoTime)
{
    callback_result result = post_events(R"([{"event":"open","msg":{"email":"a@example.com"}},)"
                                         R"({"event":"open","ts":"1700000000",)"
                                         R"("msg":{"email":"b@example.com"}}])");
    ASSERT_EQ(result.status, MG_OK) << result.error;
    EXPECT_EQ(events_of(result), (std::vector<emitted>{
                                     {MG_EVENT_OPENED, 0, 0, "a@example.com", "", "", "", ""},
                                     {MG_EVENT_OPENED, 0, 0, "b@example.com", "", "", "", ""},
                                 }));
}

TEST_F(MandrillDriver, RejectIsPermanentOnlyWhenTheRecipientIsGoneForGood)
{
    const std::vector<std::pair<std::string, uint32_t>> cases = {
        {R"("state":"rejected")", 0},
        {R"("state":"rejected","reject":{"reason":"hard-bounce"})", MG_EVENT_FLAG_PERMANENT},
        {R"("state":"rejected","reject":{"reason":"spam"})", MG_EVENT_FLAG_PERMANENT},
        {R"("state":"rejected","reject":{"reason":"unsub"})", MG_EVENT_FLAG_PERMANENT},
        {R"("state":"rejected","reject":{"reason":"custom"})", MG_EVENT_FLAG_PERMANENT},
        {R"("state":"rejected","reject":{"reason":"invalid"})", MG_EVENT_FLAG_PERMANENT},
        {R"("state":"rejected","reject":{"reason":"soft-bounce"})", 0},
        {R"("state":"rejected","reject":{"reason":"unsigned"})", 0},
        {R"("state":"rejected","reject":{"reason":"invalid-sender"})", 0},
        {R"("state":"rejected","reject":{"reason":"test-mode-limit"})", 0},
        {R"("state":"rejected","reject":{"reason":"rule"})", 0},
        {R"("state":"rejected","reject":"hard-bounce")", 0},
        {R"("state":"bounced")", MG_EVENT_FLAG_PERMANENT},
        {R"("state":"spam")", MG_EVENT_FLAG_PERMANENT},
        {R"("state":"unsub")", MG_EVENT_FLAG_PERMANENT},
        {R"("state":"soft-bounced")", 0},
    };
    for (const auto& [msg_extra, flags] : cases) {
        SCOPED_TRACE(msg_extra);
        EXPECT_EQ(kind_of(message_event("reject", 1, msg_extra + "," + with_meta(1))),
                  std::make_pair(int32_t{MG_EVENT_DROPPED}, flags));
    }
}

// The permanent flag is a drop's: other kinds say what they are by their kind.
TEST_F(MandrillDriver, OnlyRejectsCarryThePermanentFlag)
{
    EXPECT_EQ(kind_of(message_event("hard_bounce", 1, R"("state":"bounced")")),
              std::make_pair(int32_t{MG_EVENT_HARD_BOUNCE}, 0u));
    EXPECT_EQ(kind_of(message_event("spam", 1, R"("state":"spam")")),
              std::make_pair(int32_t{MG_EVENT_SPAM}, 0u));
}

TEST_F(MandrillDriver, SyncEventsAreListSyncEvents)
{
    callback_result result = post_events(batch({
        R"({"type":"blacklist","action":"add","ts":1700000106,"reject":{"reason":"hard-bounce",)"
        R"("detail":"smtp;550 5.1.1 unknown","email":"b@example.com","expired":false,)"
        R"("subaccount":null,"sender":null}})",
        R"({"type":"whitelist","action":"remove","ts":1700000107,)"
        R"("entry":{"email":"w@example.com","detail":"added by hand","created_at":"x"}})",
        R"({"type":"denylist","action":"change","reject":{"reason":"custom","email":"d@example.com",)"
        R"("subaccount":"eu"}})",
        R"({"type":"allowlist","action":"add","entry":{"email":"a@example.com"}})",
    }));
    ASSERT_EQ(result.status, MG_OK) << result.error;
    EXPECT_EQ(events_of(result),
              (std::vector<emitted>{
                  {MG_EVENT_LIST_SYNC, MG_EVENT_FLAG_PERMANENT, 1700000106, "b@example.com", "",
                   "smtp;550 5.1.1 unknown", "",
                   R"({"type":"blacklist","action":"add","reason":"hard-bounce"})", "userunknown"},
                  {MG_EVENT_LIST_SYNC, 0, 1700000107, "w@example.com", "", "added by hand", "",
                   R"({"type":"whitelist","action":"remove"})"},
                  {MG_EVENT_LIST_SYNC, 0, 0, "d@example.com", "", "", "",
                   R"({"type":"denylist","action":"change","reason":"custom","subaccount":"eu"})"},
                  {MG_EVENT_LIST_SYNC, 0, 0, "a@example.com", "", "", "",
                   R"({"type":"allowlist","action":"add"})"},
              }));
    EXPECT_TRUE(result.rejected.empty());
}

TEST_F(MandrillDriver, SyncEventsWithoutTheirAddressOrActionAreRejected)
{
    const std::vector<std::pair<std::string, std::string>> cases = {
        {R"({"type":"blacklist","action":"add","entry":{"email":"b@example.com"}})",
         "invalid email"},
        {R"({"type":"whitelist","action":"add","reject":{"email":"w@example.com"}})",
         "invalid email"},
        {R"({"type":"blacklist","action":"add","reject":{"email":5}})", "invalid email"},
        {R"({"type":"blacklist","reject":{"email":"b@example.com"}})", unmapped_event},
        {R"({"type":"greylist","action":"add","reject":{"email":"b@example.com"}})",
         unmapped_event},
        {R"({"type":"Blacklist","action":"add","reject":{"email":"b@example.com"}})",
         unmapped_event},
    };
    for (const auto& [item, reason] : cases) {
        SCOPED_TRACE(item);
        expect_only_rejected(post_events(batch({item})), item, reason);
    }
}

// Mandrill's top-level _id is the message's: every event of one message carries the same one.
std::string life_event(const std::string& event, int ts)
{
    return R"({"event":")" + event + R"(","_id":"msg-life","ts":)" + std::to_string(ts) +
           R"(,"msg":{"_id":"msg-life","email":"life@example.com","state":"sent"}})";
}

const std::vector<std::string> whole_life = {
    life_event("send", 1700000001),        life_event("delivered", 1700000002),
    life_event("open", 1700000003),        life_event("click", 1700000004),
    life_event("hard_bounce", 1700000005), life_event("spam", 1700000006),
};

std::vector<std::string> ids_of(const std::vector<emitted>& events)
{
    std::vector<std::string> out;
    for (const auto& e : events) {
        out.push_back(e.provider_event_id);
    }
    return out;
}

TEST_F(MandrillDriver, AMessagesWholeLifeInOneBatchIsSixEventsWithSixIds)
{
    callback_result result = post_events(batch(whole_life));
    ASSERT_EQ(result.status, MG_OK) << result.error;
    EXPECT_THAT(ids_of(events_of(result)),
                ElementsAre("msg-life:send:1700000001", "msg-life:delivered:1700000002",
                            "msg-life:open:1700000003", "msg-life:click:1700000004",
                            "msg-life:hard_bounce:1700000005", "msg-life:spam:1700000006"));
}

TEST_F(MandrillDriver, AMessagesLifeAcrossBatchesGivesTheSameIdsAndARetryRepeatsThem)
{
    std::vector<std::string> across;
    for (const std::string& item : whole_life) {
        for (const auto& id : ids_of(events_of(post_events(batch({item}))))) {
            across.push_back(id);
        }
    }
    const auto in_one = ids_of(events_of(post_events(batch(whole_life))));
    EXPECT_EQ(across, in_one);
    EXPECT_EQ(ids_of(events_of(post_events(batch(whole_life)))), in_one) << "a retried batch";
}

TEST_F(MandrillDriver, ARejectWithoutACauseIsMandrillsOwnSuppressionAndNotPermanent)
{
    // As real payloads have it: state rejected, no msg.reject.
    callback_result result =
        post_events(batch({message_event("reject", 1, R"("state":"rejected")")}));
    ASSERT_EQ(result.status, MG_OK) << result.error;
    ASSERT_EQ(result.events.size(), 1u);
    EXPECT_EQ(result.events[0].kind, MG_EVENT_DROPPED);
    EXPECT_EQ(result.events[0].flags, 0u);
    EXPECT_EQ(result.events[0].reason, "suppressed");
}

TEST_F(MandrillDriver, ADeferralSaysTheRemoteServersReplyFromItsSmtpEvents)
{
    callback_result result = post_events(batch({message_event(
        "deferral", 1,
        R"("state":"deferred","smtp_events":[{"ts":1700000050,"type":"deferred",)"
        R"("diag":"421 4.7.0 Try later","destination_ip":"198.51.100.7"},)"
        R"({"ts":1700000090,"type":"deferred","diag":"451 4.3.5 Temporarily unavailable, )"
        R"(try again later.","source_ip":"192.0.2.1","destination_ip":"198.51.100.8",)"
        R"("size":0}])")}));
    ASSERT_EQ(result.status, MG_OK) << result.error;
    ASSERT_EQ(result.events.size(), 1u);
    EXPECT_EQ(result.events[0].kind, MG_EVENT_DEFERRED);
    EXPECT_EQ(result.events[0].description, "451 4.3.5 Temporarily unavailable, try again later.");
    EXPECT_EQ(result.events[0].remote_mta, "198.51.100.8");
}

TEST_F(MandrillDriver, BounceDescriptionsBecomeReasons)
{
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"bad_mailbox", "userunknown"},
        {"invalid_domain", "hostunknown"},
        {"mailbox_full", "mailboxfull"},
        {"spam_related", "spamdetected"},
        {"invalid_content", "contenterror"},
        {"general", ""},
        {"unknown", ""},
    };
    for (const auto& [description, reason] : cases) {
        SCOPED_TRACE(description);
        callback_result result = post_events(batch(
            {message_event("soft_bounce", 1, R"("bounce_description":")" + description + R"(")")}));
        ASSERT_EQ(result.events.size(), 1u);
        EXPECT_EQ(result.events[0].reason, reason);
    }
}

TEST_F(MandrillDriver, OnlyADenylistAddForAHardBounceOrSpamIsPermanent)
{
    const std::vector<std::tuple<std::string, std::string, uint32_t, std::string>> cases = {
        {R"("type":"denylist","action":"add")", "hard-bounce", MG_EVENT_FLAG_PERMANENT,
         "userunknown"},
        {R"("type":"blacklist","action":"change")", "spam", MG_EVENT_FLAG_PERMANENT, "feedback"},
        {R"("type":"denylist","action":"remove")", "hard-bounce", 0, ""},
        {R"("type":"denylist","action":"add")", "soft-bounce", 0, ""},
        {R"("type":"denylist","action":"add")", "custom", 0, ""},
    };
    for (const auto& [head, why, flags, reason] : cases) {
        SCOPED_TRACE(head + " " + why);
        callback_result result = post_events(batch(
            {"{" + head + R"(,"reject":{"reason":")" + why + R"(","email":"x@example.com"}})"}));
        ASSERT_EQ(result.events.size(), 1u);
        EXPECT_EQ(result.events[0].flags, flags);
        EXPECT_EQ(result.events[0].reason, reason);
    }
    callback_result allow = post_events(
        batch({R"({"type":"allowlist","action":"add","entry":{"email":"a@example.com"}})"}));
    ASSERT_EQ(allow.events.size(), 1u);
    EXPECT_EQ(allow.events[0].flags, 0u);
    EXPECT_EQ(allow.events[0].reason, "");
}

TEST_F(MandrillDriver, UnknownEventsAreUnmapped)
{
    for (const std::string& item :
         {message_event("inbound", 1), message_event("Delivered", 1), message_event("Send", 1),
          message_event("hard-bounce", 1), message_event("", 1),
          std::string(R"({"event":5,"msg":{"email":"user1@example.com"}})"),
          std::string(R"({"event":null,"type":"blacklist","action":"add",)"
                      R"("reject":{"email":"b@example.com"}})"),
          std::string(R"({"msg":{"email":"user1@example.com"}})"), std::string("{}")}) {
        SCOPED_TRACE(item);
        expect_only_rejected(post_events(batch({item})), item, unmapped_event);
    }
}

TEST_F(MandrillDriver, MessageEventWithoutARecipientIsInvalidEmail)
{
    for (const std::string& item :
         {std::string(R"({"event":"hard_bounce"})"),
          std::string(R"({"event":"hard_bounce","msg":[]})"),
          std::string(R"({"event":"hard_bounce","msg":{"email":null}})"),
          std::string(R"({"event":"hard_bounce","email":"user1@example.com","msg":{}})")}) {
        SCOPED_TRACE(item);
        expect_only_rejected(post_events(batch({item})), item, "invalid email");
    }
}

TEST_F(MandrillDriver, NonObjectItemsAreMissingParameters)
{
    callback_result result = post_events(R"([5,null,"user1@example.com",[]])");
    ASSERT_EQ(result.status, MG_OK) << result.error;
    EXPECT_TRUE(result.events.empty());
    EXPECT_EQ(rejections(result), (std::vector<rejection>{
                                      {"5", missing_parameters},
                                      {"null", missing_parameters},
                                      {R"("user1@example.com")", missing_parameters},
                                      {"[]", missing_parameters},
                                  }));
}

// Mail sent through Mandrill by other means has no token; its events still count for the
// address.
TEST_F(MandrillDriver, MissingMetaIsEmittedForTheAddressOnly)
{
    for (const std::string& msg_extra :
         {std::string(), std::string(R"("metadata":[])"), std::string(R"("metadata":{})"),
          std::string(R"("metadata":{"user_id":111})"), std::string(R"("metadata":null)")}) {
        SCOPED_TRACE(msg_extra);
        callback_result result = post_events(batch({message_event("hard_bounce", 1, msg_extra)}));
        ASSERT_EQ(result.status, MG_OK) << result.error;
        ASSERT_EQ(result.events.size(), 1u);
        EXPECT_EQ(result.events[0].email, email_of(1));
        EXPECT_EQ(result.events[0].meta, "");
        EXPECT_TRUE(result.rejected.empty());
    }
}

TEST_F(MandrillDriver, ValidMetaIsPassedWithTheEvent)
{
    callback_result result = post_events(batch({message_event("hard_bounce", 2, with_meta(2))}));
    ASSERT_EQ(result.status, MG_OK) << result.error;
    ASSERT_EQ(result.events.size(), 1u);
    EXPECT_EQ(result.events[0].meta, meta_of(2));
    EXPECT_EQ(result.events[0].email, email_of(2));
}

TEST_F(MandrillDriver, InvalidMetaIsRejected)
{
    for (const std::string& item : {
             message_event("hard_bounce", 1, R"("metadata":{"mailgate_meta":"meta-1x"})"),
             message_event("hard_bounce", 1, with_meta(2)),
             message_event("hard_bounce", 1, R"("metadata":{"mailgate_meta":""})"),
             message_event("hard_bounce", 1, R"("metadata":{"mailgate_meta":5})"),
             message_event("hard_bounce", 1, R"("metadata":{"mailgate_meta":null})"),
         }) {
        SCOPED_TRACE(item);
        expect_only_rejected(post_events(batch({item})), item, "invalid meta");
    }
}

// The event _id is the idempotency key: a retried batch repeats it, and the host counts the
// repeat as a duplicate.
TEST_F(MandrillDriver, RetriedBatchRepeatsTheEventIds)
{
    const std::string events =
        batch({message_event("hard_bounce", 1, with_meta(1)), message_event("spam", 2)});
    std::vector<emitted> first = events_of(post_events(events));
    ASSERT_EQ(first.size(), 2u);
    EXPECT_EQ(first[0].provider_event_id, "id-1:hard_bounce:1700000100");
    EXPECT_EQ(first[1].provider_event_id, "id-2:spam:1700000100");
    EXPECT_EQ(events_of(post_events(events)), first);
}

TEST_F(MandrillDriver, EmptyArrayIsTheSetUpProbe)
{
    expect_nothing(post_events("[]"));
    // What Mandrill posts, signed with the generic key, when its HEAD check failed.
    fake_host::instance probe =
        host_.create(driver_, {{"webhook_key", "test-webhook"},
                               {"webhook_url", "https://example.com/webhooks/mandrill"}});
    expect_nothing(post_form(probe, "mandrill_events=%5B%5D",
                             {{"X-Mandrill-Signature", "RkoiKvvb1/ST8DFDdTB9MQGqorM="}}));
}

TEST_F(MandrillDriver, MissingMandrillEventsIsMissingParameters)
{
    for (const fields& form :
         {fields{}, fields{{"events", "[]"}}, fields{{"Mandrill_events", "[]"}},
          fields{{"mandrill_events ", "[]"}}}) {
        SCOPED_TRACE(form_body(form));
        expect_refused(post_signed(form), MG_BAD_REQUEST, missing_parameters);
    }
}

TEST_F(MandrillDriver, MandrillEventsGivenTwiceIsABadRequest)
{
    expect_refused(post_signed({{"mandrill_events", "[]"}, {"mandrill_events", "[]"}}),
                   MG_BAD_REQUEST, "mandrill_events given more than once");
}

TEST_F(MandrillDriver, EventsThatAreNotAnArrayAreMissingParameters)
{
    for (const char* events : {"{}", R"({"events":[]})", "null", "1", R"("[]")", "true"}) {
        SCOPED_TRACE(events);
        expect_refused(post_events(events), MG_BAD_REQUEST, missing_parameters);
    }
}

TEST_F(MandrillDriver, EventsThatAreNotJsonAreUnreadable)
{
    for (const std::string& events :
         {std::string(""), std::string("[{"), std::string("[] x"), std::string("\xff[]"),
          std::string(10000, '[') + std::string(10000, ']')}) {
        expect_refused(post_events(events), MG_BAD_REQUEST, unreadable_body);
    }
}

TEST_F(MandrillDriver, MalformedFormIsUnreadable)
{
    for (const char* body : {"mandrill_events=%ZZ", "mandrill_events=%5", "mandrill_events=[ ]"}) {
        SCOPED_TRACE(body);
        expect_refused(post_form(instance_, body, {{"X-Mandrill-Signature", "x"}}), MG_BAD_REQUEST,
                       unreadable_body);
    }
}

TEST_F(MandrillDriver, ExactlyOneThousandEventsAreAccepted)
{
    std::vector<std::string> items(1000, message_event("open", 1));
    callback_result result = post_events(batch(items));
    ASSERT_EQ(result.status, MG_OK) << result.error;
    EXPECT_EQ(result.events.size(), 1000u);
    EXPECT_TRUE(result.rejected.empty());
}

TEST_F(MandrillDriver, MoreThanOneThousandEventsAreRefusedBeforeAnyEvent)
{
    expect_refused(post_events(batch(std::vector<std::string>(1001, message_event("open", 1)))),
                   MG_TOO_MANY_EVENTS, too_many_events);
    // Items that would all be rejected count as much as events.
    expect_refused(post_events(batch(std::vector<std::string>(1001, "{}"))), MG_TOO_MANY_EVENTS,
                   too_many_events);
}

TEST_F(MandrillDriver, WrongContentTypeIsABadRequest)
{
    const fields form = {{"mandrill_events", "[]"}};
    const std::string signature = mandrill_signature(webhook_key, public_url, form);
    for (const char* type : {"application/json", "text/plain", "multipart/form-data",
                             "application/x-www-form-urlencodedx", "x-www-form-urlencoded", ""}) {
        SCOPED_TRACE(type);
        expect_refused(host_.post(instance_, form_body(form),
                                  {{"Content-Type", type}, {"X-Mandrill-Signature", signature}}),
                       MG_BAD_REQUEST, wrong_content_type);
    }
    expect_refused(host_.post(instance_, form_body(form), {{"X-Mandrill-Signature", signature}}),
                   MG_BAD_REQUEST, wrong_content_type);
}

TEST_F(MandrillDriver, ContentTypeComparesWithoutCaseAndMayHaveParameters)
{
    const fields form = {{"mandrill_events", "[]"}};
    const std::string signature = mandrill_signature(webhook_key, public_url, form);
    for (const char* type :
         {"Application/X-WWW-Form-Urlencoded", "application/x-www-form-urlencoded; charset=utf-8",
          " application/x-www-form-urlencoded ;charset=UTF-8"}) {
        SCOPED_TRACE(type);
        expect_nothing(host_.post(instance_, form_body(form),
                                  {{"content-type", type}, {"X-Mandrill-Signature", signature}}));
    }
}

// Form encoding: '+' is a space, %2B a literal '+'; the signature covers the decoded text.
TEST_F(MandrillDriver, PlusIsASpaceAndPercent2BIsAPlus)
{
    const std::string events = batch({message_event(
        "soft_bounce", 1, R"("diag":"a b+c%2B")" + std::string(",") + with_meta(1))});
    const std::string body = form_body({{"mandrill_events", events}});
    ASSERT_THAT(body, HasSubstr("a+b%2Bc%252B"));
    callback_result result =
        post_form(instance_, body,
                  {{"X-Mandrill-Signature",
                    mandrill_signature(webhook_key, public_url, {{"mandrill_events", events}})}});
    ASSERT_EQ(result.status, MG_OK) << result.error;
    ASSERT_EQ(result.events.size(), 1u);
    EXPECT_EQ(result.events[0].description, "a b+c%2B");
}

TEST_F(MandrillDriver, Utf8IsPercentDecoded)
{
    const std::string events = batch({message_event(
        "soft_bounce", 1, R"("diag":"Café ☕ – 552")" + std::string(",") + with_meta(1))});
    const std::string body = form_body({{"mandrill_events", events}});
    ASSERT_THAT(body, HasSubstr("Caf%C3%A9+%E2%98%95+%E2%80%93+552"));
    callback_result result =
        post_form(instance_, body,
                  {{"X-Mandrill-Signature",
                    mandrill_signature(webhook_key, public_url, {{"mandrill_events", events}})}});
    ASSERT_EQ(result.status, MG_OK) << result.error;
    ASSERT_EQ(result.events.size(), 1u);
    EXPECT_EQ(result.events[0].description, "Café ☕ – 552");
}

TEST_F(MandrillDriver, HeadIsOkWithoutASignature)
{
    expect_nothing(request("HEAD"));
}

TEST_F(MandrillDriver, OtherMethodsAreUnsupported)
{
    for (const char* method : {"GET", "PUT", "DELETE", "post"}) {
        SCOPED_TRACE(method);
        expect_refused(request(method), MG_UNSUPPORTED, "method not allowed");
    }
}

TEST_F(MandrillDriver, WithoutAWebhookKeyCreateFailsNamingIt)
{
    std::string error = create_error({});
    EXPECT_THAT(error, HasSubstr("(status 4)"));
    EXPECT_THAT(error, HasSubstr("webhook_key: is required"));
    EXPECT_THAT(error, HasSubstr("allow_unsigned"));
    EXPECT_THAT(create_error({{"allow_unsigned", "false"}}), HasSubstr("webhook_key: "));
}

TEST_F(MandrillDriver, AllowUnsignedAcceptsUnsignedPostsAndWarns)
{
    fake_host fresh;
    const mg_driver& driver = fresh.load_library(MAILGATE_MANDRILL_DRIVER);
    fake_host::instance unsigned_provider = fresh.create(driver, {{"allow_unsigned", "true"}});
    EXPECT_THAT(fresh.logs(),
                ElementsAre(AllOf(StartsWith("WARN "), HasSubstr("without a signature check"))));
    callback_result result = fresh.post(
        unsigned_provider, form_body({{"mandrill_events", batch({message_event("spam", 1)})}}),
        {{"Content-Type", form_type}});
    ASSERT_EQ(result.status, MG_OK) << result.error;
    EXPECT_EQ(events_of(result), (std::vector<emitted>{{MG_EVENT_SPAM, 0, 1700000100, email_of(1),
                                                        "", "", "id-1:spam:1700000100", ""}}));
}

TEST_F(MandrillDriver, WithAWebhookKeyNothingIsLoggedAndSignaturesAreRequired)
{
    fake_host fresh;
    const mg_driver& driver = fresh.load_library(MAILGATE_MANDRILL_DRIVER);
    fake_host::instance keyed =
        fresh.create(driver, {{"webhook_key", webhook_key}, {"allow_unsigned", "true"}});
    EXPECT_TRUE(fresh.logs().empty());
    expect_refused(fresh.post(keyed, "mandrill_events=%5B%5D", {{"Content-Type", form_type}}),
                   MG_UNAUTHORIZED, bad_signature);
}

TEST_F(MandrillDriver, BadOptionsFailNamingTheOption)
{
    const std::vector<std::pair<fake_host::options_map, std::string>> cases = {
        {{{"webhook_key", ""}}, "webhook_key: must not be empty"},
        {{{"webhook_key", webhook_key}, {"webhook_url", ""}}, "webhook_url: "},
        {{{"webhook_key", webhook_key}, {"webhook_url", "/v1/callbacks/mandrill"}},
         "webhook_url: "},
        {{{"webhook_key", webhook_key}, {"webhook_url", "https://a b"}}, "webhook_url: "},
        {{{"webhook_key", webhook_key}, {"port", "0"}}, "port: "},
        {{{"webhook_key", webhook_key}, {"port", "65536"}}, "port: "},
        {{{"webhook_key", webhook_key}, {"scheme", "ssl"}}, "scheme: "},
        {{{"webhook_key", webhook_key}, {"host", ""}}, "host: "},
    };
    for (const auto& [options, expected] : cases) {
        SCOPED_TRACE(expected);
        std::string error = create_error(options);
        EXPECT_THAT(error, HasSubstr("(status 4)"));
        EXPECT_THAT(error, HasSubstr(expected));
    }
}

TEST_F(MandrillDriver, MandrillSettingsAreAccepted)
{
    EXPECT_EQ(create_error({{"webhook_key", webhook_key},
                            {"webhook_url", "https://mail-gw.example.com/v1/callbacks/mandrill"},
                            {"username", "owner@example.com"},
                            {"password", "md-0123456789abcdefABCDEF"},
                            {"port", "2525"}}),
              "");
}

TEST_F(MandrillDriver, DecorateAddsTheMetadataAndTheCampaignTag)
{
    mailgate::sdk::testing::message message;
    message.meta = "m1AbC_dEf-123.x\"y\\z";
    message.campaign_id = "spring-sale";
    auto [status, headers] = host_.decorate(instance_, message);
    ASSERT_EQ(status, MG_OK);
    ASSERT_EQ(headers.size(), 2u);
    EXPECT_EQ(headers[0].first, "X-MC-Metadata");
    json::value metadata = json::parse(headers[0].second);
    EXPECT_EQ(metadata, (json::value{{"mailgate_meta", message.meta}}));
    EXPECT_EQ(headers[1], std::make_pair(std::string("X-MC-Tags"), std::string("spring-sale")));
}

TEST_F(MandrillDriver, DecorateWithoutACampaignAddsNoTags)
{
    mailgate::sdk::testing::message message;
    message.meta = "m1AbC_dEf-123";
    auto [status, headers] = host_.decorate(instance_, message);
    EXPECT_EQ(status, MG_OK);
    EXPECT_EQ(headers, (std::vector<std::pair<std::string, std::string>>{
                           {"X-MC-Metadata", R"({"mailgate_meta":"m1AbC_dEf-123"})"}}));
}

TEST_F(MandrillDriver, DecorateRefusesAnEmptyMeta)
{
    mailgate::sdk::testing::message message;
    auto [status, headers] = host_.decorate(instance_, message);
    EXPECT_EQ(status, MG_BAD_REQUEST);
    EXPECT_TRUE(headers.empty());
}

// {"mailgate_meta":"..."} is 20 bytes around the token; Mandrill allows 250 in all.
TEST_F(MandrillDriver, DecorateKeepsTheMetadataWithinMandrillsLimit)
{
    mailgate::sdk::testing::message message;
    message.meta = std::string(230, 'a');
    auto [status, headers] = host_.decorate(instance_, message);
    EXPECT_EQ(status, MG_OK);
    ASSERT_EQ(headers.size(), 1u);
    EXPECT_EQ(headers[0].second.size(), 250u);

    message.meta = std::string(231, 'a');
    auto [over_status, over_headers] = host_.decorate(instance_, message);
    EXPECT_EQ(over_status, MG_BAD_REQUEST);
    EXPECT_TRUE(over_headers.empty());
    EXPECT_THAT(host_.logs().back(), HasSubstr("251 bytes, over Mandrill's limit of 250"));
}

} // namespace
