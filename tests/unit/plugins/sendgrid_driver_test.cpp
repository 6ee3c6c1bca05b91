// The sendgrid driver as the gateway sees it: the built .so loaded through its C entry point by
// the SDK's fake host, fed SendGrid's official signed webhook vectors, webhooks signed at test
// time with a key pair made here, every documented event, and the bodies an attacker may post.

#include <mailgate/sdk/abi.h>
#include <mailgate/sdk/testing/fake_host.hpp>

#include "driver_test_support.hpp"

#include <boost/json.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <memory>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
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
using mailgate::test::unmapped_event;
using mailgate::test::unreadable_body;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

using headers = std::vector<std::pair<std::string, std::string>>;

constexpr const char* signature_header = "X-Twilio-Email-Event-Webhook-Signature";
constexpr const char* timestamp_header = "X-Twilio-Email-Event-Webhook-Timestamp";
constexpr const char* bad_signature = "missing or invalid event webhook signature";
constexpr const char* stale_signature = "replayed or stale signature";
constexpr const char* bad_credentials = "missing or wrong callback credentials";
constexpr const char* invalid_meta = "invalid meta";
constexpr const char* token = "k7Qz2mW9xR4tL8vN";

// What a user checks of an emitted event.
struct sg_event {
    int32_t kind = 0;
    uint32_t flags = 0;
    int64_t occurred_at = 0;
    std::string email;
    std::string meta;
    std::string description;
    std::string provider_event_id;
    std::string detail_json;
    std::string reason = {};
    std::string status = {};

    bool operator==(const sg_event&) const = default;
};

std::ostream& operator<<(std::ostream& out, const sg_event& e)
{
    return out << "{kind " << e.kind << ", flags " << e.flags << ", " << e.occurred_at << ", "
               << e.email << ", " << e.meta << ", " << e.description << ", " << e.provider_event_id
               << ", " << e.detail_json << ", reason '" << e.reason << "', status '" << e.status
               << "'}";
}

std::vector<sg_event> events(const callback_result& result)
{
    std::vector<sg_event> out;
    for (const auto& e : result.events) {
        out.push_back({e.kind, e.flags, e.occurred_at, e.email, e.meta, e.description,
                       e.provider_event_id, e.detail_json, e.reason, e.status});
    }
    return out;
}

std::string array_of(const std::vector<std::string>& items)
{
    std::string out = "[";
    for (std::size_t i = 0; i < items.size(); ++i) {
        out += (i == 0 ? "" : ",") + items[i];
    }
    return out + "]";
}

std::int64_t unix_now()
{
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string base64(const unsigned char* bytes, std::size_t size)
{
    std::string out(4 * ((size + 2) / 3), '\0');
    EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes, static_cast<int>(size));
    return out;
}

struct pkey_free {
    void operator()(EVP_PKEY* key) const noexcept { EVP_PKEY_free(key); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, pkey_free>;

// A key pair made for the test, which signs as SendGrid does.
class signer {
public:
    explicit signer(const char* curve = "P-256")
        : key_(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve))
    {
        if (!key_) {
            throw std::runtime_error("EC key generation failed");
        }
    }

    // As SendGrid shows it: base64 of the DER SubjectPublicKeyInfo.
    std::string public_key() const
    {
        unsigned char* der = nullptr;
        int size = i2d_PUBKEY(key_.get(), &der);
        std::string out = base64(der, static_cast<std::size_t>(size));
        OPENSSL_free(der);
        return out;
    }

    std::string sign(const std::string& timestamp, const std::string& body) const
    {
        std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                                    &EVP_MD_CTX_free);
        std::string message = timestamp + body;
        std::size_t size = 0;
        EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_.get());
        EVP_DigestSign(ctx.get(), nullptr, &size,
                       reinterpret_cast<const unsigned char*>(message.data()), message.size());
        std::vector<unsigned char> der(size);
        EVP_DigestSign(ctx.get(), der.data(), &size,
                       reinterpret_cast<const unsigned char*>(message.data()), message.size());
        return base64(der.data(), size);
    }

    headers signed_headers(const std::string& timestamp, const std::string& body) const
    {
        return {{signature_header, sign(timestamp, body)}, {timestamp_header, timestamp}};
    }

private:
    pkey_ptr key_;
};

json::value read_vectors()
{
    std::ifstream in(MAILGATE_SENDGRID_VECTORS, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return json::parse(text.str());
}

std::string text(const json::value& v)
{
    return std::string(v.as_string());
}

class SendgridDriver : public ::testing::Test {
protected:
    // The key pair is made once: P-256 generation is cheap, but each test needs the same one.
    static const signer& keys()
    {
        static const signer instance;
        return instance;
    }

    fake_host::instance unsigned_provider(fake_host::options_map options = {})
    {
        options.emplace("allow_unsigned", "true");
        return host_.create(driver_, options);
    }

    fake_host::instance signed_provider(fake_host::options_map options = {})
    {
        options.emplace("verification_key", keys().public_key());
        return host_.create(driver_, options);
    }

    callback_result post(std::string body) { return host_.post(instance_, std::move(body)); }

    // A body signed now (or `age` seconds ago) by the test's key, posted to a signed provider.
    callback_result post_signed(const fake_host::instance& inst, const std::string& body,
                                std::int64_t age = 0)
    {
        std::string timestamp = std::to_string(unix_now() - age);
        return host_.post(inst, body, keys().signed_headers(timestamp, body));
    }

    callback_result send(const fake_host::instance& inst, std::string method, std::string target,
                         std::string body, headers hs = {})
    {
        mailgate::sdk::testing::request req;
        req.method = std::move(method);
        req.target = std::move(target);
        req.body = std::move(body);
        req.headers = std::move(hs);
        return host_.parse(inst, req);
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

    // The body's only event emitted as `expected`, nothing rejected.
    void expect_only_event(const callback_result& result, const sg_event& expected)
    {
        ASSERT_EQ(result.status, MG_OK) << result.error;
        EXPECT_EQ(events(result), (std::vector<sg_event>{expected}));
        EXPECT_TRUE(result.rejected.empty());
    }

    void expect_only_rejected(const callback_result& result, const std::string& item_json,
                              const std::string& reason)
    {
        EXPECT_EQ(result.status, MG_OK) << result.error;
        EXPECT_TRUE(result.events.empty());
        EXPECT_EQ(rejections(result), (std::vector<rejection>{{item_json, reason}}));
    }

    fake_host host_;
    const mg_driver& driver_ = host_.load_library(MAILGATE_SENDGRID_DRIVER);
    fake_host::instance instance_ = unsigned_provider();
};

TEST_F(SendgridDriver, DescriptorDeclaresTheSendgridDriver)
{
    EXPECT_EQ(driver_.abi_major, MG_ABI_VERSION_MAJOR);
    EXPECT_EQ(driver_.abi_minor, MG_ABI_VERSION_MINOR);
    EXPECT_STREQ(driver_.id, "sendgrid");
    EXPECT_STREQ(driver_.version, "1.0.0");
    ASSERT_NE(driver_.description, nullptr);
    EXPECT_GT(std::strlen(driver_.description), 0u);
    EXPECT_EQ(std::strchr(driver_.description, '\n'), nullptr);
    EXPECT_EQ(driver_.capabilities, uint64_t{MG_CAP_CALLBACKS | MG_CAP_DECORATE | MG_CAP_SMTP});
    EXPECT_EQ(driver_.max_callback_events, 0u);
    EXPECT_NE(driver_.parse_callback, nullptr);
    EXPECT_NE(driver_.decorate, nullptr);
}

TEST_F(SendgridDriver, OptionTableIsTheSmtpSetWithSendgridDefaultsPlusTheWebhookOptions)
{
    EXPECT_EQ(driver_.option_count, 13u);
    struct expected {
        const char* name;
        int32_t type;
        const char* default_value;
        uint32_t flags;
    };
    for (const expected& e : {
             expected{"host", MG_OPTION_STRING, "smtp.sendgrid.net", 0},
             expected{"port", MG_OPTION_INT, "587", 0},
             expected{"scheme", MG_OPTION_STRING, "starttls", 0},
             expected{"username", MG_OPTION_STRING, "apikey", 0},
             expected{"password", MG_OPTION_STRING, "", MG_OPTION_SECRET},
             expected{"from_name", MG_OPTION_STRING, "", 0},
             expected{"from_address", MG_OPTION_STRING, "", 0},
             expected{"reply_address", MG_OPTION_STRING, "", 0},
             expected{"preference_center", MG_OPTION_STRING, "none", 0},
             expected{"verification_key", MG_OPTION_STRING, nullptr, 0},
             expected{"signature_tolerance", MG_OPTION_INT, "600", 0},
             expected{"allow_unsigned", MG_OPTION_BOOL, "false", 0},
             expected{"callback_token", MG_OPTION_STRING, nullptr, MG_OPTION_SECRET},
         }) {
        SCOPED_TRACE(e.name);
        const mg_option* o = find_option(driver_, e.name);
        ASSERT_NE(o, nullptr);
        EXPECT_EQ(o->type, e.type);
        EXPECT_EQ(o->flags, e.flags);
        if (e.default_value == nullptr) {
            EXPECT_EQ(o->default_value, nullptr);
        } else {
            EXPECT_STREQ(o->default_value, e.default_value);
        }
    }
}

// The vectors carry fixed old timestamps, so the replay window is off here. A valid signature
// lets the body through to the format check: the 2020 vector is a bare object, which SendGrid
// no longer sends, and is refused as not the format rather than as unauthenticated.
TEST_F(SendgridDriver, EveryOfficialVectorGivesItsVerdict)
{
    json::value vectors = read_vectors();
    const json::array& cases = vectors.at("cases").as_array();
    ASSERT_EQ(cases.size(), 12u);
    for (const json::value& c : cases) {
        std::string name = text(c.at("name"));
        SCOPED_TRACE(name);
        fake_host::instance inst =
            host_.create(driver_, {{"verification_key", text(c.at("public_key_b64"))},
                                   {"signature_tolerance", "0"}});
        std::string payload = text(c.at("payload"));
        callback_result result = host_.post(inst, payload,
                                            {{signature_header, text(c.at("signature_header"))},
                                             {timestamp_header, text(c.at("timestamp_header"))}});
        if (!c.at("expected_valid").as_bool()) {
            expect_refused(result, MG_UNAUTHORIZED, bad_signature);
        } else if (name == "legacy_single_object_no_crlf") {
            expect_refused(result, MG_BAD_REQUEST, missing_parameters);
        } else {
            ASSERT_EQ(result.status, MG_OK) << result.error;
            EXPECT_EQ(result.events.size(), json::parse(payload).as_array().size());
            EXPECT_TRUE(result.rejected.empty());
        }
    }
}

TEST_F(SendgridDriver, OfficialVectorsMapExactly)
{
    json::value vectors = read_vectors();
    const json::array& cases = vectors.at("cases").as_array();
    std::vector<sg_event> mapped;
    for (std::size_t i : {0u, 1u}) {
        const json::value& c = cases[i];
        fake_host::instance inst =
            host_.create(driver_, {{"verification_key", text(c.at("public_key_b64"))},
                                   {"signature_tolerance", "0"}});
        callback_result result = host_.post(inst, text(c.at("payload")),
                                            {{signature_header, text(c.at("signature_header"))},
                                             {timestamp_header, text(c.at("timestamp_header"))}});
        ASSERT_EQ(result.status, MG_OK) << result.error;
        for (const sg_event& e : events(result)) {
            mapped.push_back(e);
        }
    }
    const std::string reason552 =
        "552 5.2.2 The email account that you tried to reach is over quota and inactive. Please "
        "direct the recipient to https://support.google.com/mail/?p=OverQuotaPerm "
        "c17si1130468pgv.34 - gsmtp";
    EXPECT_EQ(
        mapped,
        (std::vector<sg_event>{
            {MG_EVENT_DROPPED, MG_EVENT_FLAG_PERMANENT, 1600112492, "hello@world.com", "",
             "Bounced Address", "ZHJvcC0xMDk5NDkxOS1MUnpYbF9OSFN0T0doUTRrb2ZTbV9BLTA",
             R"({"reason":"Bounced Address",)"
             R"("sg_message_id":"LRzXl_NHStOGhQ4kofSm_A.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9.0",)"
             R"("smtp-id":"<LRzXl_NHStOGhQ4kofSm_A@ismtpd0039p1iad1.sendgrid.net>"})",
             "suppressed"},
            {MG_EVENT_PROCESSED, 0, 1619651146, "invalid@gmail.com", "", "",
             "cHJvY2Vzc2VkLTE5OTQyMTEyLXFOd0JMZ1BRUWpXNkRKdktRd1NBYnctMA",
             R"({"sg_message_id":"qNwBLgPQQjW6DJvKQwSAbw.filterdrecv-canary-547b64655b-cw6zx-1-6089EA4A-56.0",)"
             R"("smtp-id":"<qNwBLgPQQjW6DJvKQwSAbw@ismtpd0178p1mdw1.sendgrid.net>"})"},
            {MG_EVENT_SOFT_BOUNCE, 0, 1619651147, "invalid@gmail.com", "", reason552,
             "Ym91bmNlLTAtMTk5NDIxMTItcU53QkxnUFFRalc2REp2S1F3U0Fidy0w",
             R"({"status":"5.2.2","reason":")" + reason552 +
                 R"(","sg_message_id":"qNwBLgPQQjW6DJvKQwSAbw.filterdrecv-canary-547b64655b-cw6zx-1-6089EA4A-56.0",)"
                 R"("smtp-id":"<qNwBLgPQQjW6DJvKQwSAbw@ismtpd0178p1mdw1.sendgrid.net>","type":"blocked"})",
             "", "5.2.2"},
        }));
}

const std::string one_event =
    R"([{"email":"user1@example.com","event":"delivered","timestamp":1700000000}])"
    "\r\n";

TEST_F(SendgridDriver, FreshSignatureIsAccepted)
{
    fake_host::instance inst = signed_provider();
    callback_result result = post_signed(inst, one_event);
    ASSERT_EQ(result.status, MG_OK) << result.error;
    EXPECT_EQ(result.events.size(), 1u);
    // Inside the default ten minutes, either way.
    EXPECT_EQ(post_signed(inst, one_event, 9 * 60).status, MG_OK);
    EXPECT_EQ(post_signed(inst, one_event, -9 * 60).status, MG_OK);
}

TEST_F(SendgridDriver, SignatureElevenMinutesOldIsStale)
{
    fake_host::instance inst = signed_provider();
    expect_refused(post_signed(inst, one_event, 11 * 60), MG_UNAUTHORIZED, stale_signature);
}

TEST_F(SendgridDriver, SignatureFromTheFarFutureIsStale)
{
    fake_host::instance inst = signed_provider();
    expect_refused(post_signed(inst, one_event, -11 * 60), MG_UNAUTHORIZED, stale_signature);
    std::string far = "9223372036854775807";
    expect_refused(host_.post(inst, one_event, keys().signed_headers(far, one_event)),
                   MG_UNAUTHORIZED, stale_signature);
}

TEST_F(SendgridDriver, ToleranceZeroTurnsTheWindowOff)
{
    fake_host::instance inst = signed_provider({{"signature_tolerance", "0"}});
    EXPECT_EQ(post_signed(inst, one_event, 365 * 24 * 3600).status, MG_OK);
    EXPECT_EQ(host_.post(inst, one_event, keys().signed_headers("0", one_event)).status, MG_OK);
}

TEST_F(SendgridDriver, ConfiguredToleranceIsUsed)
{
    fake_host::instance inst = signed_provider({{"signature_tolerance", "60"}});
    EXPECT_EQ(post_signed(inst, one_event, 30).status, MG_OK);
    expect_refused(post_signed(inst, one_event, 120), MG_UNAUTHORIZED, stale_signature);
}

// The signature covers the bytes as sent: the same JSON with other whitespace does not verify.
TEST_F(SendgridDriver, BodyWithItsWhitespaceChangedFails)
{
    fake_host::instance inst = signed_provider();
    std::string timestamp = std::to_string(unix_now());
    headers signed_compact = keys().signed_headers(timestamp, one_event);
    EXPECT_EQ(host_.post(inst, one_event, signed_compact).status, MG_OK);
    for (const std::string& changed : {
             std::string(R"([{"email": "user1@example.com", "event": "delivered", )"
                         R"("timestamp": 1700000000}])"
                         "\r\n"),
             one_event.substr(0, one_event.size() - 2),
             one_event + "\r\n",
         }) {
        SCOPED_TRACE(changed);
        expect_refused(host_.post(inst, changed, signed_compact), MG_UNAUTHORIZED, bad_signature);
    }
}

TEST_F(SendgridDriver, MissingSignatureOrTimestampHeaderIsUnauthorized)
{
    fake_host::instance inst = signed_provider();
    headers both = keys().signed_headers(std::to_string(unix_now()), one_event);
    expect_refused(host_.post(inst, one_event, {both[0]}), MG_UNAUTHORIZED, bad_signature);
    expect_refused(host_.post(inst, one_event, {both[1]}), MG_UNAUTHORIZED, bad_signature);
    expect_refused(host_.post(inst, one_event), MG_UNAUTHORIZED, bad_signature);
}

TEST_F(SendgridDriver, HeaderNamesCompareWithoutCase)
{
    fake_host::instance inst = signed_provider();
    std::string timestamp = std::to_string(unix_now());
    callback_result result =
        host_.post(inst, one_event,
                   {{"x-twilio-email-event-webhook-signature", keys().sign(timestamp, one_event)},
                    {"x-twilio-email-event-webhook-timestamp", timestamp}});
    EXPECT_EQ(result.status, MG_OK) << result.error;
}

// Signed correctly, but over a timestamp that is not plain decimal seconds.
TEST_F(SendgridDriver, NonDecimalTimestampIsUnauthorized)
{
    fake_host::instance inst = signed_provider({{"signature_tolerance", "0"}});
    std::string now = std::to_string(unix_now());
    for (const std::string& timestamp :
         {"+" + now, " " + now, now + " ", "-" + now, now + ".0", std::string("1e9"),
          std::string("0x10"), std::string("99999999999999999999"), std::string()}) {
        SCOPED_TRACE(timestamp);
        expect_refused(host_.post(inst, one_event, keys().signed_headers(timestamp, one_event)),
                       MG_UNAUTHORIZED, bad_signature);
    }
}

// Only padded standard base64: OpenSSL's decoder alone would skip whitespace and stray '='.
TEST_F(SendgridDriver, SignatureThatIsNotStrictBase64IsUnauthorized)
{
    fake_host::instance inst = signed_provider();
    std::string timestamp = std::to_string(unix_now());
    std::string good = keys().sign(timestamp, one_event);
    std::string unpadded = good.substr(0, good.find('='));
    for (const std::string& signature :
         {good + "\n", " " + good, good + "causing failure",
          good.substr(0, 40) + "=" + good.substr(41), good + "====", std::string(),
          std::string("===="), (unpadded.size() % 4 != 0 ? unpadded : good.substr(1))}) {
        SCOPED_TRACE(signature);
        expect_refused(host_.post(inst, one_event,
                                  {{signature_header, signature}, {timestamp_header, timestamp}}),
                       MG_UNAUTHORIZED, bad_signature);
    }
}

TEST_F(SendgridDriver, SignatureByAnotherKeyIsUnauthorized)
{
    fake_host::instance inst = signed_provider();
    signer other;
    expect_refused(
        host_.post(inst, one_event, other.signed_headers(std::to_string(unix_now()), one_event)),
        MG_UNAUTHORIZED, bad_signature);
}

// Whatever the body, a caller without a valid signature learns nothing about it.
TEST_F(SendgridDriver, SignatureIsCheckedBeforeTheBodyIsRead)
{
    fake_host::instance inst = signed_provider();
    for (const std::string& body : {std::string("{not json"), std::string(R"({"a":1})")}) {
        expect_refused(host_.post(inst, body,
                                  {{signature_header, keys().sign("1", one_event)},
                                   {timestamp_header, std::to_string(unix_now())}}),
                       MG_UNAUTHORIZED, bad_signature);
    }
    // Signed, the same bodies reach the format checks.
    expect_refused(post_signed(inst, "{not json"), MG_BAD_REQUEST, unreadable_body);
}

TEST_F(SendgridDriver, EachEventTypeIsMappedExactly)
{
    struct expectation {
        std::string item;
        sg_event event;
    };
    const std::vector<expectation> cases = {
        {R"({"email":"a@example.com","timestamp":1700000001,"event":"processed",)"
         R"("sg_event_id":"p1","sg_message_id":"m1","smtp-id":"<m1@x>","category":["c"]})",
         {MG_EVENT_PROCESSED, 0, 1700000001, "a@example.com", "", "", "p1",
          R"({"sg_message_id":"m1","smtp-id":"<m1@x>"})"}},
        {R"({"email":"a@example.com","timestamp":1700000002,"event":"delivered",)"
         R"("sg_event_id":"d1","response":"250 OK","ip":"192.0.2.10","tls":1})",
         {MG_EVENT_DELIVERED, 0, 1700000002, "a@example.com", "", "250 OK", "d1", ""}},
        {R"({"email":"a@example.com","timestamp":1700000003,"event":"deferred",)"
         R"("sg_event_id":"f1","response":"451 4.7.1 try later","attempt":"1"})",
         {MG_EVENT_DEFERRED, 0, 1700000003, "a@example.com", "", "451 4.7.1 try later", "f1", ""}},
        {R"({"email":"a@example.com","timestamp":1700000004,"event":"deferred",)"
         R"("sg_event_id":"f2","reason":"too many connections","response":"421 later"})",
         {MG_EVENT_DEFERRED, 0, 1700000004, "a@example.com", "", "too many connections", "f2",
          R"({"reason":"too many connections"})"}},
        {R"({"email":"b@example.com","timestamp":1700000005,"event":"bounce","type":"bounce",)"
         R"("status":"5.1.1","reason":"550 5.1.1 no such user",)"
         R"("bounce_classification":"Invalid Address","sg_event_id":"b1"})",
         {MG_EVENT_HARD_BOUNCE, 0, 1700000005, "b@example.com", "", "550 5.1.1 no such user", "b1",
          R"({"status":"5.1.1","reason":"550 5.1.1 no such user",)"
          R"("bounce_classification":"Invalid Address","type":"bounce"})",
          "userunknown", "5.1.1"}},
        {R"({"email":"c@example.com","timestamp":1700000006,"event":"bounce","type":"blocked",)"
         R"("status":"5.7.1","reason":"550 5.7.1 policy","sg_event_id":"b2"})",
         {MG_EVENT_SOFT_BOUNCE, 0, 1700000006, "c@example.com", "", "550 5.7.1 policy", "b2",
          R"({"status":"5.7.1","reason":"550 5.7.1 policy","type":"blocked"})", "", "5.7.1"}},
        {R"({"email":"d@example.com","timestamp":1700000007,"event":"dropped",)"
         R"("reason":"Bounced Address","status":"5.0.0","sg_event_id":"x1"})",
         {MG_EVENT_DROPPED, MG_EVENT_FLAG_PERMANENT, 1700000007, "d@example.com", "",
          "Bounced Address", "x1", R"({"status":"5.0.0","reason":"Bounced Address"})", "suppressed",
          "5.0.0"}},
        {R"({"email":"e@example.com","timestamp":1700000008,"event":"open",)"
         R"("useragent":"Mozilla/5.0","ip":"198.51.100.7","sg_event_id":"o1"})",
         {MG_EVENT_OPENED, 0, 1700000008, "e@example.com", "", "", "o1", ""}},
        {R"({"email":"e@example.com","timestamp":1700000009,"event":"click",)"
         R"("url":"https://example.com/a","url_offset":{"index":0,"type":"html"},)"
         R"("sg_event_id":"k1"})",
         {MG_EVENT_CLICKED, 0, 1700000009, "e@example.com", "", "", "k1",
          R"({"url":"https://example.com/a"})"}},
        {R"({"email":"e@example.com","timestamp":1700000010,"event":"spamreport",)"
         R"("sg_event_id":"s1"})",
         {MG_EVENT_SPAM, 0, 1700000010, "e@example.com", "", "", "s1", ""}},
        {R"({"email":"f@example.com","timestamp":1700000011,"event":"unsubscribe",)"
         R"("sg_event_id":"u1"})",
         {MG_EVENT_UNSUBSCRIBED, 0, 1700000011, "f@example.com", "", "", "u1", ""}},
        {R"({"email":"f@example.com","timestamp":1700000012,"event":"group_unsubscribe",)"
         R"("asm_group_id":10,"url":"https://example.com/unsub","sg_event_id":"g1"})",
         {MG_EVENT_UNSUBSCRIBED, 0, 1700000012, "f@example.com", "", "", "g1",
          R"({"asm_group_id":10,"url":"https://example.com/unsub"})"}},
        {R"({"email":"f@example.com","timestamp":1700000013,"event":"group_resubscribe",)"
         R"("asm_group_id":10,"sg_event_id":"g2"})",
         {MG_EVENT_RESUBSCRIBED, 0, 1700000013, "f@example.com", "", "", "g2",
          R"({"asm_group_id":10})"}},
    };
    std::vector<std::string> all;
    std::vector<sg_event> expected;
    for (const expectation& c : cases) {
        SCOPED_TRACE(c.item);
        expect_only_event(post(array_of({c.item})), c.event);
        all.push_back(c.item);
        expected.push_back(c.event);
    }
    // All of them in one batch, in order.
    callback_result result = post(array_of(all));
    ASSERT_EQ(result.status, MG_OK) << result.error;
    EXPECT_EQ(events(result), expected);
    EXPECT_TRUE(result.rejected.empty());
}

TEST_F(SendgridDriver, OnlyAddressDropReasonsArePermanent)
{
    struct reason {
        const char* text;
        uint32_t flags;
        const char* mapped = "";
    };
    for (const reason& r : {
             reason{"Bounced Address", MG_EVENT_FLAG_PERMANENT, "suppressed"},
             reason{"Unsubscribed Address", MG_EVENT_FLAG_PERMANENT, "suppressed"},
             reason{"Spam Reporting Address", MG_EVENT_FLAG_PERMANENT, "suppressed"},
             reason{"Invalid", MG_EVENT_FLAG_PERMANENT, "syntaxerror"},
             reason{"Invalid SMTPAPI header", 0},
             reason{"Spam Content", 0, "spamdetected"},
             reason{"Recipient List over Package Quota", 0},
             reason{"bounced address", 0},
             reason{"", 0},
         }) {
        SCOPED_TRACE(r.text);
        std::string reason_json = json::serialize(json::string(r.text));
        expect_only_event(
            post(array_of({R"({"email":"d@example.com","timestamp":1,"event":"dropped",)"
                           R"("reason":)" +
                           reason_json + "}"})),
            {MG_EVENT_DROPPED, r.flags, 1, "d@example.com", "", r.text, "",
             R"({"reason":)" + reason_json + "}", r.mapped});
    }
    // No reason at all: dropped, not permanent.
    expect_only_event(post(R"([{"email":"d@example.com","timestamp":1,"event":"dropped"}])"),
                      {MG_EVENT_DROPPED, 0, 1, "d@example.com", "", "", "", ""});
}

// The Event Webhook reference: `bounce` is a permanent refusal, `type: blocked` the temporary
// kind; older accounts and the docs' own samples send bounces without `type`.
TEST_F(SendgridDriver, ABounceIsHardUnlessItsTypeSaysOtherwise)
{
    struct bounce {
        const char* type_field;
        int32_t kind;
    };
    for (const bounce& b : {
             bounce{R"(,"type":"bounce")", MG_EVENT_HARD_BOUNCE},
             bounce{R"(,"type":"blocked")", MG_EVENT_SOFT_BOUNCE},
             bounce{R"(,"type":"expired")", MG_EVENT_SOFT_BOUNCE},
             bounce{"", MG_EVENT_HARD_BOUNCE},
             bounce{R"(,"type":"Bounce")", MG_EVENT_SOFT_BOUNCE},
             bounce{R"(,"type":1)", MG_EVENT_SOFT_BOUNCE},
         }) {
        SCOPED_TRACE(b.type_field);
        callback_result result =
            post(R"([{"email":"b@example.com","timestamp":1,"event":"bounce")" +
                 std::string(b.type_field) + "}]");
        ASSERT_EQ(result.status, MG_OK) << result.error;
        ASSERT_EQ(result.events.size(), 1u);
        EXPECT_EQ(result.events[0].kind, b.kind);
        EXPECT_EQ(result.events[0].flags, 0u);
    }
}

TEST_F(SendgridDriver, BounceClassificationsBecomeReasons)
{
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"Invalid Address", "userunknown"},
        {"Reputation", "badreputation"},
        {"Content", "spamdetected"},
        {"Frequency or Volume Too High", "speeding"},
        {"Technical", ""},
        {"Mailbox Unavailable", ""},
        {"Unclassified", ""},
    };
    for (const auto& [classification, reason] : cases) {
        SCOPED_TRACE(classification);
        callback_result result =
            post(R"([{"email":"b@example.com","timestamp":1,"event":"bounce","type":"blocked",)"
                 R"("status":"5.7.1","reason":"550 5.7.1 Message rejected due to local policy",)"
                 R"("bounce_classification":")" +
                 classification + R"("}])");
        ASSERT_EQ(result.events.size(), 1u);
        EXPECT_EQ(result.events[0].reason, reason);
        EXPECT_EQ(result.events[0].status, "5.7.1");
        EXPECT_EQ(result.events[0].description, "550 5.7.1 Message rejected due to local policy");
    }
}

TEST_F(SendgridDriver, DropReasonsBecomeReasons)
{
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"Bounced Address", "suppressed"},        {"Unsubscribed Address", "suppressed"},
        {"Spam Reporting Address", "suppressed"}, {"Invalid", "syntaxerror"},
        {"Spam Content", "spamdetected"},         {"Invalid SMTPAPI header", ""},
    };
    for (const auto& [why, reason] : cases) {
        SCOPED_TRACE(why);
        callback_result result =
            post(R"([{"email":"d@example.com","timestamp":1,"event":"dropped","reason":")" + why +
                 R"("}])");
        ASSERT_EQ(result.events.size(), 1u);
        EXPECT_EQ(result.events[0].reason, reason);
    }
}

// Marketing Campaigns stamp events in milliseconds.
TEST_F(SendgridDriver, MillisecondTimestampsKeepTheirTime)
{
    callback_result result =
        post(R"([{"email":"m@example.com","timestamp":1700000000123,"event":"open"},)"
             R"({"email":"m@example.com","timestamp":1700000001,"event":"open"}])");
    ASSERT_EQ(result.events.size(), 2u);
    EXPECT_EQ(result.events[0].occurred_at, 1700000000);
    EXPECT_EQ(result.events[1].occurred_at, 1700000001);
}

TEST_F(SendgridDriver, AnAccountStatusChangeIsAnsweredAsAnAccountNoticeAndLogged)
{
    const std::string item = R"({"event":"account_status_change","type":"compliance_suspend",)"
                             R"("sg_event_id":"YWNjb3VudA","timestamp":1700000000})";
    callback_result result = post("[" + item + "]");
    ASSERT_EQ(result.status, MG_OK) << result.error;
    EXPECT_TRUE(result.events.empty());
    ASSERT_EQ(result.rejected.size(), 1u);
    EXPECT_EQ(result.rejected[0].reason,
              "account_status_change (compliance_suspend) is an account notice, not a message "
              "event");
    EXPECT_THAT(host_.logs(),
                testing::Contains(AllOf(StartsWith("WARN "), HasSubstr("compliance_suspend"))));
}

TEST_F(SendgridDriver, OnlyEventEmailAndTimestampAreRequired)
{
    expect_only_event(post(R"([{"event":"bounce","email":"b@example.com","timestamp":5}])"),
                      {MG_EVENT_HARD_BOUNCE, 0, 5, "b@example.com", "", "", "", ""});
    // Optional fields of the wrong type are left out rather than failing the event.
    expect_only_event(
        post(R"([{"event":"deferred","email":"b@example.com","timestamp":5,"reason":7,)"
             R"("response":null,"sg_event_id":["x"]}])"),
        {MG_EVENT_DEFERRED, 0, 5, "b@example.com", "", "", "", R"({"reason":7})"});
}

TEST_F(SendgridDriver, EventWithoutARequiredFieldIsRejectedAlone)
{
    const std::string good = R"({"event":"open","email":"e@example.com","timestamp":2})";
    for (const std::string& bad : {
             std::string(R"({"email":"e@example.com","timestamp":2})"),
             std::string(R"({"event":"open","timestamp":2})"),
             std::string(R"({"event":"open","email":"e@example.com"})"),
             std::string(R"({"event":"open","email":"e@example.com","timestamp":"2"})"),
             std::string(R"({"event":"open","email":"e@example.com","timestamp":2.5E0})"),
             std::string(R"({"event":"open","email":null,"timestamp":2})"),
             std::string(R"({"event":5,"email":"e@example.com","timestamp":2})"),
             std::string("{}"),
         }) {
        SCOPED_TRACE(bad);
        callback_result result = post(array_of({bad, good}));
        ASSERT_EQ(result.status, MG_OK) << result.error;
        EXPECT_EQ(rejections(result), (std::vector<rejection>{{bad, missing_parameters}}));
        EXPECT_EQ(events(result), (std::vector<sg_event>{
                                      {MG_EVENT_OPENED, 0, 2, "e@example.com", "", "", "", ""}}));
    }
}

TEST_F(SendgridDriver, UnknownEventNamesAreRejectedAlone)
{
    const std::string good = R"({"event":"click","email":"e@example.com","timestamp":3})";
    std::vector<std::string> items;
    std::vector<rejection> expected;
    for (const char* name : {"test_event", "Delivered", "spam_report", "blocked", "", " open"}) {
        std::string item =
            R"({"event":")" + std::string(name) + R"(","email":"e@example.com","timestamp":3})";
        items.push_back(item);
        expected.push_back({item, unmapped_event});
    }
    items.push_back(good);
    callback_result result = post(array_of(items));
    ASSERT_EQ(result.status, MG_OK) << result.error;
    EXPECT_EQ(rejections(result), expected);
    EXPECT_EQ(events(result),
              (std::vector<sg_event>{{MG_EVENT_CLICKED, 0, 3, "e@example.com", "", "", "", ""}}));
}

// A full 768 KB batch, far beyond the 1000 items of the gateway's own format.
TEST_F(SendgridDriver, FullSizeBatchIsEmittedWhole)
{
    std::vector<std::string> items;
    for (int i = 0; i < 2500; ++i) {
        items.push_back(
            R"({"email":"user)" + std::to_string(i) + R"(@example.com","timestamp":)" +
            std::to_string(1700000000 + i) +
            R"(,"event":"delivered","sg_event_id":"ZGVsaXZlcmVkLTAtMTk5NDIxMTItcU53QkxnUFFRalc2REp2S1F3U0)" +
            std::to_string(i) +
            R"(","sg_message_id":"qNwBLgPQQjW6DJvKQwSAbw.filterdrecv-canary-547b64655b-cw6zx-1-6089EA4A-56.0",)"
            R"("smtp-id":"<qNwBLgPQQjW6DJvKQwSAbw@ismtpd0178p1mdw1.sendgrid.net>"})");
    }
    std::string body = array_of(items);
    ASSERT_GT(body.size(), 700u * 1024);
    ASSERT_LE(body.size(), 768u * 1024);

    fake_host::instance inst = signed_provider();
    callback_result result = post_signed(inst, body);
    ASSERT_EQ(result.status, MG_OK) << result.error;
    ASSERT_EQ(result.events.size(), 2500u);
    EXPECT_TRUE(result.rejected.empty());
    EXPECT_EQ(result.events.front().email, "user0@example.com");
    EXPECT_EQ(result.events.back().email, "user2499@example.com");
    EXPECT_EQ(result.events.back().occurred_at, 1700002499);
}

TEST_F(SendgridDriver, EmptyBatchIsOk)
{
    callback_result result = post("[]\r\n");
    EXPECT_EQ(result.status, MG_OK) << result.error;
    EXPECT_TRUE(result.events.empty());
    EXPECT_TRUE(result.rejected.empty());
}

TEST_F(SendgridDriver, MalformedJsonIsUnreadable)
{
    for (const std::string& body :
         {std::string(), std::string("[{"), std::string(R"([{"event":"open"}] x)"),
          std::string("event=open"), std::string("[\"\xff\"]"), std::string(10000, '[')}) {
        SCOPED_TRACE(body.substr(0, 20));
        expect_refused(post(body), MG_BAD_REQUEST, unreadable_body);
    }
}

TEST_F(SendgridDriver, BodyThatIsNotAnArrayOfObjectsIsRefusedWhole)
{
    for (const char* body : {
             R"({"email":"e@example.com","timestamp":1,"event":"open"})",
             "null",
             "1",
             R"("[]")",
             R"([{"email":"e@example.com","timestamp":1,"event":"open"},5])",
             R"([[{"email":"e@example.com","timestamp":1,"event":"open"}]])",
             R"([null])",
         }) {
        SCOPED_TRACE(body);
        expect_refused(post(body), MG_BAD_REQUEST, missing_parameters);
    }
}

TEST_F(SendgridDriver, ValidMetaIsPassedOn)
{
    host_.accept_meta("v1.meta-1", "user1@example.com");
    expect_only_event(post(R"([{"email":"user1@example.com","timestamp":9,"event":"spamreport",)"
                           R"("mailgate_meta":"v1.meta-1","sg_event_id":"s9"}])"),
                      {MG_EVENT_SPAM, 0, 9, "user1@example.com", "v1.meta-1", "", "s9", ""});
}

// SendGrid reports on mail sent around the gateway too: such events are stored by address.
TEST_F(SendgridDriver, MissingMetaIsEmittedWithoutIt)
{
    expect_only_event(post(R"([{"email":"user1@example.com","timestamp":9,"event":"open"}])"),
                      {MG_EVENT_OPENED, 0, 9, "user1@example.com", "", "", "", ""});
}

TEST_F(SendgridDriver, MetaThatDoesNotVerifyIsRejected)
{
    host_.accept_meta("v1.meta-1", "user1@example.com");
    for (const std::string& item : {
             // Never signed by this gateway.
             std::string(R"({"email":"user1@example.com","timestamp":9,"event":"open",)"
                         R"("mailgate_meta":"v1.meta-1x"})"),
             // Signed for another recipient.
             std::string(R"({"email":"user2@example.com","timestamp":9,"event":"open",)"
                         R"("mailgate_meta":"v1.meta-1"})"),
             std::string(R"({"email":"user1@example.com","timestamp":9,"event":"open",)"
                         R"("mailgate_meta":""})"),
             std::string(R"({"email":"user1@example.com","timestamp":9,"event":"open",)"
                         R"("mailgate_meta":5})"),
         }) {
        SCOPED_TRACE(item);
        expect_only_rejected(post("[" + item + "]"), item, invalid_meta);
    }
}

TEST_F(SendgridDriver, HeadIsOkWithoutCredentials)
{
    fake_host::instance inst = signed_provider({{"callback_token", token}});
    callback_result result = send(inst, "HEAD", "/v1/callbacks/test", "");
    EXPECT_EQ(result.status, MG_OK) << result.error;
    EXPECT_TRUE(result.events.empty());
    EXPECT_TRUE(result.rejected.empty());
}

TEST_F(SendgridDriver, OtherMethodsAreUnsupported)
{
    for (const char* method : {"GET", "PUT", "DELETE", "post"}) {
        SCOPED_TRACE(method);
        expect_refused(send(instance_, method, "/v1/callbacks/test", one_event), MG_UNSUPPORTED,
                       "method not allowed");
    }
}

TEST_F(SendgridDriver, CallbackTokenIsAcceptedAsBearerOrQuery)
{
    fake_host::instance inst = unsigned_provider({{"callback_token", token}});
    EXPECT_EQ(send(inst, "POST", "/v1/callbacks/test", one_event,
                   {{"Authorization", "Bearer " + std::string(token)}})
                  .status,
              MG_OK);
    EXPECT_EQ(
        send(inst, "POST", "/v1/callbacks/test?token=" + std::string(token), one_event).status,
        MG_OK);
    for (const auto& [target, hs] : std::vector<std::pair<std::string, headers>>{
             {"/v1/callbacks/test", {}},
             {"/v1/callbacks/test?token=k7Qz2mW9xR4tL8vM", {}},
             {"/v1/callbacks/test", {{"Authorization", "Bearer k7Qz2mW9xR4tL8v"}}},
             {"/v1/callbacks/test", {{"Authorization", "Basic " + std::string(token)}}},
         }) {
        SCOPED_TRACE(target);
        expect_refused(send(inst, "POST", target, "{not json", hs), MG_UNAUTHORIZED,
                       bad_credentials);
    }
}

TEST_F(SendgridDriver, SignatureAndTokenConfiguredTogetherNeedBoth)
{
    fake_host::instance inst = signed_provider({{"callback_token", token}});
    std::string with_token = "/v1/callbacks/test?token=" + std::string(token);
    headers signed_now = keys().signed_headers(std::to_string(unix_now()), one_event);
    EXPECT_EQ(send(inst, "POST", with_token, one_event, signed_now).status, MG_OK);
    expect_refused(send(inst, "POST", "/v1/callbacks/test", one_event, signed_now), MG_UNAUTHORIZED,
                   bad_credentials);
    expect_refused(send(inst, "POST", with_token, one_event), MG_UNAUTHORIZED, bad_signature);
}

TEST_F(SendgridDriver, DecorateStampsTheMetaAndTheCampaignAsXSmtpApi)
{
    mailgate::sdk::testing::message message;
    message.meta = "v1.abc_DEF-123";
    message.campaign_id = "spring \"sale\"";
    auto [status, added] = host_.decorate(instance_, message);
    ASSERT_EQ(status, MG_OK);
    ASSERT_EQ(added.size(), 1u);
    EXPECT_EQ(added[0].first, "X-SMTPAPI");
    EXPECT_EQ(
        added[0].second,
        R"({"unique_args":{"mailgate_meta":"v1.abc_DEF-123"},"category":["spring \"sale\""]})");
    json::value parsed = json::parse(added[0].second);
    EXPECT_EQ(parsed.at("unique_args").at("mailgate_meta").as_string(), "v1.abc_DEF-123");
    EXPECT_EQ(parsed.at("category").as_array(), (json::array{"spring \"sale\""}));
}

TEST_F(SendgridDriver, DecorateWithoutACampaignHasNoCategory)
{
    mailgate::sdk::testing::message message;
    message.meta = "v1.abc";
    auto [status, added] = host_.decorate(instance_, message);
    ASSERT_EQ(status, MG_OK);
    EXPECT_EQ(added, (headers{{"X-SMTPAPI", R"({"unique_args":{"mailgate_meta":"v1.abc"}})"}}));
}

TEST_F(SendgridDriver, DecorateRefusesAnEmptyMeta)
{
    mailgate::sdk::testing::message message;
    auto [status, added] = host_.decorate(instance_, message);
    EXPECT_EQ(status, MG_BAD_REQUEST);
    EXPECT_TRUE(added.empty());
}

TEST_F(SendgridDriver, NoKeyWithoutAllowUnsignedFailsNamingTheKey)
{
    std::string error = create_error({});
    EXPECT_THAT(error, HasSubstr("(status 4)"));
    EXPECT_THAT(error, HasSubstr("verification_key: is required"));
    EXPECT_THAT(create_error({{"allow_unsigned", "false"}}), HasSubstr("verification_key: "));
}

TEST_F(SendgridDriver, AllowUnsignedWarnsAtEveryStart)
{
    fake_host fresh;
    const mg_driver& driver = fresh.load_library(MAILGATE_SENDGRID_DRIVER);
    fresh.create(driver, {{"allow_unsigned", "true"}});
    EXPECT_THAT(fresh.logs(),
                ElementsAre(AllOf(StartsWith("WARN "), HasSubstr("without a signature check"))));
}

TEST_F(SendgridDriver, WithAKeyNothingIsLogged)
{
    fake_host fresh;
    const mg_driver& driver = fresh.load_library(MAILGATE_SENDGRID_DRIVER);
    fresh.create(driver, {{"verification_key", keys().public_key()}});
    fresh.create(driver, {{"verification_key", keys().public_key()}, {"allow_unsigned", "true"}});
    EXPECT_TRUE(fresh.logs().empty());
}

TEST_F(SendgridDriver, BadVerificationKeyFailsNamingIt)
{
    std::string p256 = keys().public_key();
    signer p384("P-384");
    for (const std::string& key :
         {std::string(), std::string("not a key"), p256.substr(0, p256.size() - 4), p256.substr(4),
          std::string("cGF5bG9hZA=="), p256 + "AAAA", p384.public_key(),
          "-----BEGIN PUBLIC KEY-----\n" + p256 + "\n-----END PUBLIC KEY-----"}) {
        SCOPED_TRACE(key);
        std::string error = create_error({{"verification_key", key}});
        EXPECT_THAT(error, HasSubstr("(status 4)"));
        EXPECT_THAT(error, HasSubstr("verification_key: is not"));
    }
    EXPECT_THAT(create_error({{"verification_key", p384.public_key()}}), HasSubstr("P-256"));
}

// Keys pasted into YAML or read from a file often come with a line break.
TEST_F(SendgridDriver, VerificationKeyMayHaveSurroundingWhitespace)
{
    fake_host::instance inst =
        host_.create(driver_, {{"verification_key", " " + keys().public_key() + "\n"}});
    EXPECT_EQ(post_signed(inst, one_event).status, MG_OK);
}

TEST_F(SendgridDriver, OtherBadOptionsFailNamingThem)
{
    std::string key = keys().public_key();
    EXPECT_THAT(create_error({{"verification_key", key}, {"signature_tolerance", "-1"}}),
                HasSubstr("signature_tolerance: "));
    EXPECT_THAT(create_error({{"verification_key", key}, {"callback_token", "short"}}),
                HasSubstr("callback_token: must be at least 16 characters"));
    EXPECT_THAT(create_error({{"verification_key", key}, {"port", "0"}}), HasSubstr("port: "));
    EXPECT_THAT(create_error({{"verification_key", key}, {"scheme", "ssl"}}),
                HasSubstr("scheme: "));
    EXPECT_EQ(create_error({{"verification_key", key}, {"port", "465"}, {"scheme", "smtps"}}), "");
}

} // namespace
