// The mailgun driver as the gateway sees it: the built .so loaded through its C entry point by
// the SDK's fake host, fed the signed webhooks Mailgun (or an attacker) may post, and the
// messages it stamps.

#include <mailgate/sdk/abi.h>
#include <mailgate/sdk/testing/fake_host.hpp>

// One test file, one executable: Boost.JSON's implementation is compiled in here.
#include <boost/json.hpp>
#include <boost/json/src.hpp>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

namespace json = boost::json;

using mailgate::sdk::testing::callback_result;
using mailgate::sdk::testing::fake_host;
using mailgate::sdk::testing::find_option;

constexpr const char* signing_key = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0";
constexpr const char* token = "a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0";
constexpr const char* bad_signature = "missing or wrong webhook signature";
constexpr const char* unreadable_body = "Exception occurred while reading input stream";
constexpr const char* missing_parameters = "Bad request. Some mandatory parameters were missing.";

std::string now_text()
{
    return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count());
}

// An independent spelling of Mailgun's rule: hex(HMAC-SHA256(key, timestamp + token)).
std::string sign(const std::string& key, const std::string& text)
{
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int size = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest.data(), &size);
    std::string hex;
    for (unsigned int i = 0; i < size; ++i) {
        static const char* digits = "0123456789abcdef";
        hex += digits[digest[i] >> 4];
        hex += digits[digest[i] & 0x0f];
    }
    return hex;
}

json::object signature_block(const std::string& timestamp, const std::string& key = signing_key,
                             const std::string& nonce = token)
{
    return {
        {"timestamp", timestamp}, {"token", nonce}, {"signature", sign(key, timestamp + nonce)}};
}

// A failed/permanent event in Mailgun's documented shape, with our token echoed.
json::object failed_event(const std::string& meta = "")
{
    json::object data{
        {"event", "failed"},
        {"id", "G9Bn5sl1TC6RwJ1PkeX1XQ"},
        {"timestamp", 1521472262.908181},
        {"severity", "permanent"},
        {"reason", "bounce"},
        {"recipient", "alice@example.com"},
        {"delivery-status",
         {{"code", 550},
          {"message", "5.1.1 The email account that you tried to reach does not exist."},
          {"description", ""}}},
        {"message", {{"headers", {{"message-id", "20180319151102.1.ABC@mg.example.com"}}}}},
    };
    if (!meta.empty()) {
        data["user-variables"] = {{"mailgate_meta", meta}};
    }
    return data;
}

std::string body_of(const json::object& data, const json::object& signature)
{
    return json::serialize(json::object{{"signature", signature}, {"event-data", data}});
}

std::string signed_body(const json::object& data)
{
    return body_of(data, signature_block(now_text()));
}

class MailgunDriver : public ::testing::Test {
protected:
    // Declared first: the members below use it.
    fake_host host;
    const mg_driver& driver = host.load_library(MAILGUN_DRIVER);
    fake_host::options_map options{{"webhook_signing_key", signing_key}};

    callback_result post(const std::string& body)
    {
        auto instance = host.create(driver, options);
        return host.post(instance, body, {{"Content-Type", "application/json"}});
    }

    // The one event a signed webhook carrying `data` gives.
    mailgate::sdk::testing::recorded_event only_event(const json::object& data)
    {
        callback_result result = post(signed_body(data));
        EXPECT_EQ(result.status, MG_OK) << result.error;
        EXPECT_TRUE(result.rejected.empty());
        if (result.events.size() != 1) {
            ADD_FAILURE() << result.events.size() << " events";
            return {};
        }
        return result.events[0];
    }

    // The reason a signed webhook carrying `data` is refused with, item by item.
    std::string rejection(const json::object& data)
    {
        callback_result result = post(signed_body(data));
        EXPECT_EQ(result.status, MG_OK) << result.error;
        EXPECT_TRUE(result.events.empty());
        return result.rejected.size() == 1 ? result.rejected[0].reason : "none";
    }
};

TEST_F(MailgunDriver, DescribesItselfAndItsOptions)
{
    EXPECT_STREQ(driver.id, "mailgun");
    EXPECT_EQ(driver.capabilities, MG_CAP_CALLBACKS | MG_CAP_DECORATE | MG_CAP_SMTP);
    EXPECT_EQ(driver.max_callback_events, 1u);
    const mg_option* key = find_option(driver, "webhook_signing_key");
    ASSERT_NE(key, nullptr);
    EXPECT_EQ(key->flags, MG_OPTION_REQUIRED | MG_OPTION_SECRET);
    const mg_option* tolerance = find_option(driver, "signature_tolerance");
    ASSERT_NE(tolerance, nullptr);
    EXPECT_STREQ(tolerance->default_value, "900");
    EXPECT_STREQ(find_option(driver, "host")->default_value, "smtp.mailgun.org");
}

TEST_F(MailgunDriver, RefusesAProviderItCannotServe)
{
    EXPECT_THROW(host.create(driver), std::runtime_error) << "the signing key is required";
    auto message = [&](fake_host::options_map given) {
        try {
            host.create(driver, given);
        } catch (const std::runtime_error& e) {
            return std::string(e.what());
        }
        return std::string("created");
    };
    EXPECT_NE(message({{"webhook_signing_key", ""}}).find("webhook_signing_key: must not be"),
              std::string::npos);
    EXPECT_NE(message({{"webhook_signing_key", "k"}, {"signature_tolerance", "-1"}})
                  .find("signature_tolerance: must be 0"),
              std::string::npos);
    EXPECT_NE(message({{"webhook_signing_key", "k"}, {"replay_cache_size", "-1"}})
                  .find("replay_cache_size: must be 0"),
              std::string::npos);
    EXPECT_NE(message({{"webhook_signing_key", "k"}, {"port", "70000"}}).find("port: must be"),
              std::string::npos);
}

TEST_F(MailgunDriver, StampsTheTokenAsACustomVariableAndTheCampaignAsATag)
{
    auto instance = host.create(driver, options);
    mailgate::sdk::testing::message message;
    message.meta = "m1abc.def";
    message.campaign_id = "spring";
    auto [status, headers] = host.decorate(instance, message);
    ASSERT_EQ(status, MG_OK);
    ASSERT_EQ(headers.size(), 2u);
    EXPECT_EQ(headers[0].first, "X-Mailgun-Variables");
    EXPECT_EQ(json::parse(headers[0].second), json::parse(R"({"mailgate_meta":"m1abc.def"})"));
    EXPECT_EQ(headers[1], std::make_pair(std::string("X-Mailgun-Tag"), std::string("spring")));

    message.campaign_id.clear();
    EXPECT_EQ(host.decorate(instance, message).second.size(), 1u) << "no campaign, no tag";
    message.meta.clear();
    EXPECT_NE(host.decorate(instance, message).first, MG_OK) << "nothing to attribute with";
}

TEST_F(MailgunDriver, APermanentFailureIsAHardBounceAttributedByItsToken)
{
    host.accept_meta("m1abc.def", "alice@example.com");
    auto event = only_event(failed_event("m1abc.def"));
    EXPECT_EQ(event.kind, MG_EVENT_HARD_BOUNCE);
    EXPECT_EQ(event.flags, 0u);
    EXPECT_EQ(event.occurred_at, 1521472262);
    EXPECT_EQ(event.email, "alice@example.com");
    EXPECT_EQ(event.meta, "m1abc.def");
    EXPECT_EQ(event.provider_event_id, "G9Bn5sl1TC6RwJ1PkeX1XQ");
    EXPECT_EQ(event.description, "5.1.1 The email account that you tried to reach does not exist.");
    EXPECT_EQ(json::parse(event.detail_json),
              json::parse(R"({"severity":"permanent","reason":"bounce","code":550,
                              "message-id":"20180319151102.1.ABC@mg.example.com"})"));
}

TEST_F(MailgunDriver, MapsEachEventTypeToTheEventModel)
{
    json::object temporary = failed_event();
    temporary["severity"] = "temporary";
    EXPECT_EQ(only_event(temporary).kind, MG_EVENT_SOFT_BOUNCE);

    json::object suppressed = failed_event();
    suppressed["reason"] = "suppress-bounce";
    auto dropped = only_event(suppressed);
    EXPECT_EQ(dropped.kind, MG_EVENT_DROPPED);
    EXPECT_EQ(dropped.flags, MG_EVENT_FLAG_PERMANENT) << "Mailgun will never send to it";

    const std::array<std::pair<const char*, int32_t>, 6> plain{{
        {"delivered", MG_EVENT_DELIVERED},
        {"complained", MG_EVENT_SPAM},
        {"unsubscribed", MG_EVENT_UNSUBSCRIBED},
        {"accepted", MG_EVENT_PROCESSED},
        {"opened", MG_EVENT_OPENED},
        {"clicked", MG_EVENT_CLICKED},
    }};
    for (const auto& [name, kind] : plain) {
        json::object data{{"event", name}, {"recipient", "bob@example.com"}, {"id", name}};
        EXPECT_EQ(only_event(data).kind, kind) << name;
    }
}

TEST_F(MailgunDriver, EchoesWhatItCannotUseWithTheReason)
{
    json::object unknown = failed_event();
    unknown["event"] = "stored";
    EXPECT_EQ(rejection(unknown), "Could not map event to any bounce type");

    json::object no_severity = failed_event();
    no_severity.erase("severity");
    EXPECT_EQ(rejection(no_severity), "Could not map event to any bounce type");

    json::object no_recipient = failed_event();
    no_recipient.erase("recipient");
    EXPECT_EQ(rejection(no_recipient), "invalid email");

    json::object numeric_recipient = failed_event();
    numeric_recipient["recipient"] = 42;
    EXPECT_EQ(rejection(numeric_recipient), "invalid email");

    callback_result result = post(signed_body(unknown));
    ASSERT_EQ(result.rejected.size(), 1u);
    EXPECT_EQ(json::parse(result.rejected[0].item_json).at("event").as_string(), "stored")
        << "the item is echoed as received";
}

TEST_F(MailgunDriver, ATokenThisGatewayDidNotSignIsInvalidMeta)
{
    host.accept_meta("m1abc.def", "alice@example.com");
    EXPECT_EQ(rejection(failed_event("m1forged.xyz")), "invalid meta");

    json::object other_recipient = failed_event("m1abc.def");
    other_recipient["recipient"] = "mallory@example.com";
    EXPECT_EQ(rejection(other_recipient), "invalid meta");

    json::object not_text = failed_event();
    not_text["user-variables"] = {{"mailgate_meta", 7}};
    EXPECT_EQ(rejection(not_text), "invalid meta");

    EXPECT_EQ(only_event(failed_event()).meta, "") << "mail sent around the gateway still counts";
}

TEST_F(MailgunDriver, VerifiesAnIndependentlyComputedVector)
{
    // Python: hmac.new(key, b"1529006854" + token, hashlib.sha256).hexdigest()
    const std::string vector = "b63c0701c4f4b614f272106a1b367c5c3369bcdca664ae73ebd52787e45eef07";
    options["signature_tolerance"] = "0";
    json::object signature{{"timestamp", "1529006854"}, {"token", token}, {"signature", vector}};
    EXPECT_EQ(post(body_of(failed_event(), signature)).status, MG_OK);
}

TEST_F(MailgunDriver, RefusesForgedOrMissingSignaturesAndEmitsNothing)
{
    const std::string ts = now_text();
    auto refused = [&](const std::string& body) {
        callback_result result = post(body);
        EXPECT_EQ(result.status, MG_UNAUTHORIZED);
        EXPECT_EQ(result.error, bad_signature);
        EXPECT_TRUE(result.events.empty() && result.rejected.empty());
    };
    refused(json::serialize(json::object{{"event-data", failed_event()}}));
    refused(body_of(failed_event(), signature_block(ts, "another-key")));

    json::object tampered_token = signature_block(ts);
    tampered_token["token"] = std::string(token) + "x";
    refused(body_of(failed_event(), tampered_token));

    json::object upper = signature_block(ts);
    std::string text(upper["signature"].as_string());
    for (char& c : text) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    upper["signature"] = text;
    refused(body_of(failed_event(), upper));

    json::object numeric_timestamp = signature_block(ts);
    numeric_timestamp["timestamp"] = std::stoll(ts);
    refused(body_of(failed_event(), numeric_timestamp));

    json::object signed_plus = signature_block("+" + ts);
    refused(body_of(failed_event(), signed_plus));

    json::object long_token{{"timestamp", ts}, {"token", std::string(100000, 'a')}};
    long_token["signature"] = sign(signing_key, ts + std::string(100000, 'a'));
    refused(body_of(failed_event(), long_token));

    json::object no_signature = signature_block(ts);
    no_signature.erase("signature");
    refused(body_of(failed_event(), no_signature));
}

TEST_F(MailgunDriver, AcceptsTheParentAccountsSignature)
{
    const std::string ts = now_text();
    json::object subaccount = signature_block(ts, "the-subaccount-key");
    subaccount["parent-signature"] = sign(signing_key, ts + token);
    EXPECT_EQ(post(body_of(failed_event(), subaccount)).status, MG_OK);
}

TEST_F(MailgunDriver, RefusesAStaleSignatureUnlessTheCheckIsOff)
{
    const std::string old_body = body_of(failed_event(), signature_block("1529006854"));
    callback_result result = post(old_body);
    EXPECT_EQ(result.status, MG_UNAUTHORIZED);
    EXPECT_EQ(result.error, "replayed or stale signature");

    const std::string future = std::to_string(std::stoll(now_text()) + 3600);
    EXPECT_EQ(post(body_of(failed_event(), signature_block(future))).status, MG_UNAUTHORIZED);
    const std::string recent = std::to_string(std::stoll(now_text()) - 600);
    EXPECT_EQ(post(body_of(failed_event(), signature_block(recent))).status, MG_OK);

    options["signature_tolerance"] = "0";
    EXPECT_EQ(post(old_body).status, MG_OK);
}

TEST_F(MailgunDriver, ARetryMayRepeatItsTokenButAnotherEventMayNot)
{
    auto instance = host.create(driver, options);
    const json::object signature = signature_block(now_text());
    const std::string delivery = body_of(failed_event(), signature);
    EXPECT_EQ(host.post(instance, delivery).status, MG_OK);
    EXPECT_EQ(host.post(instance, delivery).status, MG_OK) << "a retry of the same delivery";

    json::object other = failed_event();
    other["id"] = "another-event";
    other["recipient"] = "ceo@example.com";
    callback_result result = host.post(instance, body_of(other, signature));
    EXPECT_EQ(result.status, MG_UNAUTHORIZED);
    EXPECT_EQ(result.error, "webhook token reused for another event");
    EXPECT_TRUE(result.events.empty() && result.rejected.empty());
}

TEST_F(MailgunDriver, OneTokenPostedConcurrentlyWithManyEventsAdmitsOne)
{
    auto instance = host.create(driver, options);
    const json::object signature = signature_block(now_text());
    std::atomic<int> admitted{0};
    std::vector<std::thread> posters;
    for (int i = 0; i < 8; ++i) {
        json::object data = failed_event();
        data["id"] = "event-" + std::to_string(i);
        posters.emplace_back([&, body = body_of(data, signature)] {
            if (host.post(instance, body).status == MG_OK) {
                ++admitted;
            }
        });
    }
    for (std::thread& poster : posters) {
        poster.join();
    }
    EXPECT_EQ(admitted.load(), 1);
}

TEST_F(MailgunDriver, RemembersABoundedNumberOfTokensOrNone)
{
    const std::string ts = now_text();
    json::object other = failed_event();
    other["id"] = "another-event";
    const std::string second_token(50, 'b');

    options["replay_cache_size"] = "1";
    auto instance = host.create(driver, options);
    EXPECT_EQ(host.post(instance, body_of(failed_event(), signature_block(ts))).status, MG_OK);
    EXPECT_EQ(
        host.post(instance, body_of(other, signature_block(ts, signing_key, second_token))).status,
        MG_OK);
    EXPECT_EQ(host.post(instance, body_of(other, signature_block(ts))).status, MG_OK)
        << "the first token was forgotten to make room for the second";

    options["replay_cache_size"] = "0";
    auto unguarded = host.create(driver, options);
    EXPECT_EQ(host.post(unguarded, body_of(failed_event(), signature_block(ts))).status, MG_OK);
    EXPECT_EQ(host.post(unguarded, body_of(other, signature_block(ts))).status, MG_OK);
}

TEST_F(MailgunDriver, RefusesBodiesItCannotReadWithAClearError)
{
    auto refused = [&](const std::string& body, const std::string& error) {
        callback_result result = post(body);
        EXPECT_EQ(result.status, MG_BAD_REQUEST) << body.substr(0, 80);
        EXPECT_EQ(result.error.substr(0, error.size()), error);
        EXPECT_TRUE(result.events.empty() && result.rejected.empty());
    };
    const std::string good = signed_body(failed_event());
    refused("", unreadable_body);
    refused("not json", unreadable_body);
    refused(good.substr(0, good.size() / 2), unreadable_body);
    refused(std::string(100, '[') + std::string(100, ']'), unreadable_body);
    refused("{\"signature\":\"\xff\xfe\"}", unreadable_body);
    refused("[" + good + "]", missing_parameters);
    refused(json::serialize(json::object{{"signature", signature_block(now_text())}}),
            missing_parameters);
    refused(json::serialize(json::object{{"signature", signature_block(now_text())},
                                         {"event-data", json::array{}}}),
            missing_parameters);
    refused(good + std::string(256 * 1024, ' '), "a Mailgun webhook carries one event");
}

TEST_F(MailgunDriver, AnswersAProbeAndRefusesOtherMethods)
{
    auto instance = host.create(driver, options);
    mailgate::sdk::testing::request probe;
    probe.method = "HEAD";
    callback_result result = host.parse(instance, probe);
    EXPECT_EQ(result.status, MG_OK);
    EXPECT_TRUE(result.events.empty());
    probe.method = "GET";
    EXPECT_EQ(host.parse(instance, probe).status, MG_UNSUPPORTED);
}

} // namespace
