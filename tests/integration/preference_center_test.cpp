// The system preference center end to end: the real binary, real SQLite, HTTP over loopback.
// Links are signed with the real codec and the gateway's attribution key, as the gateway signs
// the links it puts in List-Unsubscribe (sending_test.cpp follows one from a sent message).

#include "core/attribution/meta_token.hpp"
#include "core/attribution/unsubscribe_token.hpp"
#include "gateway_process.hpp"
#include "v2_callbacks.hpp"

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace mailgate::test {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;
using ::testing::Not;

const std::map<std::string, std::string> urlencoded{
    {"Content-Type", "application/x-www-form-urlencoded"}};
const std::string one_click = "List-Unsubscribe=One-Click";

std::array<unsigned char, 32> attribution_key()
{
    std::array<unsigned char, 32> key{}; // the bytes 0..31, as v2_attribution_yaml
    for (std::size_t i = 0; i < key.size(); ++i) {
        key[i] = static_cast<unsigned char>(i);
    }
    return key;
}

std::string link(const std::string& email, const std::string& campaign = "spring",
                 const std::string& provider = "esp")
{
    return "/u/" + core::attribution::unsubscribe_codec(attribution_key())
                       .encode({email, campaign, provider});
}

class PreferenceCenter : public ::testing::Test {
protected:
    static gateway_options options()
    {
        gateway_options o;
        o.extra_sections_yaml = v2_attribution_yaml;
        o.extra_providers_yaml = v2_provider_yaml;
        return o;
    }

    json::array events(const std::string& email, const std::string& kind)
    {
        auto reply = gw_.admin("GET", "/v1/events?email=" + email + "&kind=" + kind);
        EXPECT_EQ(reply.status, 200) << reply.body;
        return json::parse(reply.body).at("items").as_array();
    }

    /// The suppression's reason, or "" when the address is not suppressed.
    std::string suppression(const std::string& email)
    {
        auto reply = gw_.admin("GET", "/v1/suppressions/" + email);
        if (reply.status == 404) {
            return "";
        }
        EXPECT_EQ(reply.status, 200) << reply.body;
        return std::string(json::parse(reply.body).at("reason").as_string());
    }

    void expect_untouched(const std::string& email)
    {
        EXPECT_EQ(suppression(email), "");
        auto reply = gw_.admin("GET", "/v1/events?email=" + email);
        EXPECT_EQ(json::parse(reply.body).at("items").as_array().size(), 0u) << reply.body;
    }

    gateway_process gw_{options()};
};

void expect_safe_page(const http_reply& reply)
{
    EXPECT_EQ(reply.headers.at("content-type"), "text/html; charset=utf-8");
    EXPECT_EQ(reply.headers.at("cache-control"), "no-store");
    EXPECT_THAT(reply.headers.at("content-security-policy"), HasSubstr("default-src 'none'"));
    EXPECT_THAT(reply.headers.at("content-security-policy"), HasSubstr("form-action 'self'"));
    EXPECT_EQ(reply.headers.at("referrer-policy"), "no-referrer");
    EXPECT_EQ(reply.headers.count("location"), 0u);
    EXPECT_EQ(reply.headers.count("set-cookie"), 0u);
    EXPECT_THAT(reply.body, HasSubstr("<html lang=\"en\">"));
    EXPECT_THAT(reply.body, Not(HasSubstr("<script")));
    EXPECT_THAT(reply.body, Not(HasSubstr("src=")));
    EXPECT_THAT(reply.body, Not(HasSubstr("href=")));
}

TEST_F(PreferenceCenter, GetShowsAConfirmationAndChangesNothing)
{
    const std::string url = link("Ana@Example.com");
    for (int i = 0; i < 3; ++i) { // a link scanner prefetching, and again
        auto reply = gw_.request("GET", url);
        ASSERT_EQ(reply.status, 200) << reply.body;
        expect_safe_page(reply);
        EXPECT_THAT(reply.body, HasSubstr("ana@example.com"));
        EXPECT_THAT(reply.body, HasSubstr("<form method=\"post\">"));
        EXPECT_THAT(reply.body, HasSubstr("name=\"action\" value=\"unsubscribe\""));
    }
    auto head = gw_.request("HEAD", url);
    EXPECT_EQ(head.status, 200);
    EXPECT_EQ(head.body, "");
    expect_untouched("ana@example.com");
}

TEST_F(PreferenceCenter, TheAddressIsEscaped)
{
    // A quoted local part may hold any of HTML's special characters.
    auto reply = gw_.request("GET", link("\"<b>&\\\"x'\"@example.com"));
    ASSERT_EQ(reply.status, 200) << reply.body;
    EXPECT_THAT(reply.body, HasSubstr("&quot;&lt;b&gt;&amp;\\&quot;x&#39;&quot;@example.com"));
    EXPECT_THAT(reply.body, Not(HasSubstr("<b>")));
}

TEST_F(PreferenceCenter, OneClickUnsubscribesOnceThroughTheRouter)
{
    const std::string url = link("bo@example.com");
    for (int i = 0; i < 3; ++i) {
        auto reply = gw_.request("POST", url, one_click, urlencoded);
        ASSERT_EQ(reply.status, 200) << reply.body;
        expect_safe_page(reply);
        EXPECT_THAT(reply.body, HasSubstr("You are unsubscribed"));
    }
    EXPECT_EQ(suppression("bo@example.com"), "unsubscribed");
    auto stored = events("bo@example.com", "unsubscribed");
    ASSERT_EQ(stored.size(), 1u) << "the same one-click three times is one event";
    const auto& ev = stored.at(0).as_object();
    EXPECT_EQ(ev.at("provider").as_string(), "esp");
    EXPECT_EQ(ev.at("campaign_id").as_string(), "spring");
    EXPECT_EQ(ev.at("driver").as_string(), "preference-center");
    EXPECT_EQ(ev.at("description").as_string(), "one-click");
    const auto& system = ev.at("system_events").as_array();
    ASSERT_EQ(system.size(), 1u);
    EXPECT_EQ(system.at(0).at("name").as_string(), "Channel Unsubscribed");

    auto report = json::parse(gw_.admin("GET", "/v1/reports/campaigns/spring").body);
    EXPECT_EQ(report.at("events").at("unsubscribed").as_int64(), 1);
    EXPECT_EQ(report.at("system_events").at("Channel Unsubscribed").as_int64(), 1);

    auto page = gw_.request("GET", url);
    EXPECT_THAT(page.body, HasSubstr("You are unsubscribed")) << "the page shows the state";
}

// An operator lifted the suppression; the recipient unsubscribes again. The second opt-out is
// a new event and suppresses again, while retries with no lift between still count once.
TEST_F(PreferenceCenter, AnUnsubscribeAfterTheOperatorsLiftSuppressesAgain)
{
    const std::string url = link("ivy@example.com");
    ASSERT_EQ(gw_.request("POST", url, one_click, urlencoded).status, 200);
    ASSERT_EQ(suppression("ivy@example.com"), "unsubscribed");
    ASSERT_EQ(gw_.admin("DELETE", "/v1/suppressions/ivy@example.com").status, 204);
    ASSERT_EQ(suppression("ivy@example.com"), "");

    for (int i = 0; i < 2; ++i) { // the second is a retry of the first: one event
        auto reply = gw_.request("POST", url, one_click, urlencoded);
        ASSERT_EQ(reply.status, 200) << reply.body;
        EXPECT_THAT(reply.body, HasSubstr("You are unsubscribed"));
    }

    EXPECT_EQ(suppression("ivy@example.com"), "unsubscribed");
    EXPECT_EQ(events("ivy@example.com", "unsubscribed").size(), 2u);
    auto report = json::parse(gw_.admin("GET", "/v1/reports/campaigns/spring").body);
    EXPECT_EQ(report.at("events").at("unsubscribed").as_int64(), 2);
}

// The same for a custom preference center posting the identical v2 opt-out again.
TEST_F(PreferenceCenter, AnIdenticalV2OptOutAfterTheOperatorsLiftSuppressesAgain)
{
    const std::string email = "jo@example.com";
    const auto body = v2_body({v2_item("unsubscribed", email, v2_token("m-jo", email), "")});
    auto post = [&] {
        auto reply = gw_.request("POST", v2_callback_url, body);
        EXPECT_EQ(reply.status, 200) << reply.body;
    };
    post();
    post(); // a retried delivery: still one event, one count
    ASSERT_EQ(events(email, "unsubscribed").size(), 1u);
    ASSERT_EQ(suppression(email), "unsubscribed");
    ASSERT_EQ(gw_.admin("DELETE", "/v1/suppressions/" + email).status, 204);

    post();
    EXPECT_EQ(suppression(email), "unsubscribed");
    EXPECT_EQ(events(email, "unsubscribed").size(), 2u);
    post();
    EXPECT_EQ(events(email, "unsubscribed").size(), 2u) << "no lift since: a retry";
    auto report = json::parse(gw_.admin("GET", "/v1/reports/campaigns/spring").body);
    EXPECT_EQ(report.at("events").at("unsubscribed").as_int64(), 2);
}

TEST_F(PreferenceCenter, OneClickAsMultipartFormData)
{
    const std::string body = "--XyZ\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\""
                             "\r\n\r\nOne-Click\r\n--XyZ--\r\n";
    auto reply = gw_.request("POST", link("cy@example.com"), body,
                             {{"Content-Type", "Multipart/Form-Data ; boundary=\"XyZ\""}});
    ASSERT_EQ(reply.status, 200) << reply.body;
    EXPECT_EQ(suppression("cy@example.com"), "unsubscribed");
}

TEST_F(PreferenceCenter, ThePagesFormsUnsubscribeAndResubscribe)
{
    const std::string url = link("di@example.com");
    auto confirmed = gw_.request("POST", url, "action=unsubscribe", urlencoded);
    ASSERT_EQ(confirmed.status, 200) << confirmed.body;
    EXPECT_THAT(confirmed.body, HasSubstr("You are unsubscribed"));
    EXPECT_THAT(confirmed.body, HasSubstr("value=\"resubscribe\""));
    EXPECT_EQ(suppression("di@example.com"), "unsubscribed");

    auto undone = gw_.request("POST", url, "action=resubscribe", urlencoded);
    ASSERT_EQ(undone.status, 200) << undone.body;
    expect_safe_page(undone);
    EXPECT_THAT(undone.body, HasSubstr("You are subscribed again"));
    EXPECT_EQ(suppression("di@example.com"), "");
    ASSERT_EQ(gw_.request("POST", url, "action=resubscribe", urlencoded).status, 200);
    EXPECT_EQ(events("di@example.com", "resubscribed").size(), 1u) << "idempotent";

    // A second opt-out after the resubscribe is a new event, not a duplicate of the first.
    ASSERT_EQ(gw_.request("POST", url, one_click, urlencoded).status, 200);
    EXPECT_EQ(suppression("di@example.com"), "unsubscribed");
    EXPECT_EQ(events("di@example.com", "unsubscribed").size(), 2u);
}

TEST_F(PreferenceCenter, ResubscribingLiftsOnlyAnUnsubscribe)
{
    ASSERT_EQ(gw_.admin("PUT", "/v1/suppressions/ed@example.com").status, 200);
    auto reply = gw_.request("POST", link("ed@example.com"), "action=resubscribe", urlencoded);
    ASSERT_EQ(reply.status, 200) << reply.body;
    EXPECT_EQ(suppression("ed@example.com"), "manual");

    // A hard bounce reported by the provider stays through an unsubscribe and a resubscribe.
    auto bounce = gw_.request("POST", v2_callback_url,
                              v2_body({v2_item("hard_bounce", "fe@example.com",
                                               v2_token("m1", "fe@example.com"), "550 gone")}));
    ASSERT_EQ(bounce.status, 200) << bounce.body;
    const std::string url = link("fe@example.com");
    ASSERT_EQ(gw_.request("POST", url, one_click, urlencoded).status, 200);
    ASSERT_EQ(gw_.request("POST", url, "action=resubscribe", urlencoded).status, 200);
    EXPECT_EQ(suppression("fe@example.com"), "hard_bounce");
}

TEST_F(PreferenceCenter, ABadLinkIsA400PageAndChangesNothing)
{
    const std::string good = link("gi@example.com");
    std::string altered = good;
    altered[good.size() / 2] = altered[good.size() / 2] == 'A' ? 'B' : 'A';
    const std::string meta = "/u/" + core::attribution::meta_codec(attribution_key())
                                         .encode({"m1", "spring", "p", ""}, "gi@example.com");
    const std::string other_key =
        "/u/" + core::attribution::unsubscribe_codec(std::array<unsigned char, 32>{})
                    .encode({"gi@example.com", "spring", "esp"});
    for (const std::string& url :
         {altered, meta, other_key, good.substr(0, good.size() - 3), std::string("/u/"),
          std::string("/u/x"), "/u/" + std::string(4000, 'A')}) {
        auto page = gw_.request("GET", url);
        EXPECT_EQ(page.status, 400) << url;
        EXPECT_THAT(page.body, HasSubstr("This link is not valid")) << url;
        auto post = gw_.request("POST", url, one_click, urlencoded);
        EXPECT_EQ(post.status, 400) << url;
        EXPECT_THAT(post.body, Not(HasSubstr("gi@example.com")));
    }
    expect_untouched("gi@example.com");
}

TEST_F(PreferenceCenter, PostsThatAreNeitherOneClickNorThePagesFormAreRefused)
{
    const std::string url = link("hu@example.com");
    const std::vector<std::pair<std::string, std::map<std::string, std::string>>> posts{
        {"", urlencoded},
        {"List-Unsubscribe=Yes", urlencoded},
        {"List-Unsubscribe=One-Click&action=resubscribe", urlencoded},
        {"action=delete", urlencoded},
        {"action=unsubscribe", {}},
        {one_click, {{"Content-Type", "text/plain"}}},
        {"{\"List-Unsubscribe\":\"One-Click\"}", {{"Content-Type", "application/json"}}},
        {"--XyZ\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\nOne-Click",
         {{"Content-Type", "multipart/form-data; boundary=XyZ"}}},
        {"--XyZ\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"; "
         "filename=\"a\"\r\n\r\nOne-Click\r\n--XyZ--",
         {{"Content-Type", "multipart/form-data; boundary=XyZ"}}},
        {"%zz=One-Click", urlencoded},
    };
    for (const auto& [body, headers] : posts) {
        auto reply = gw_.request("POST", url, body, headers);
        EXPECT_EQ(reply.status, 400) << body;
    }
    auto big = gw_.request("POST", url, one_click + "&x=" + std::string(5000, 'x'), urlencoded);
    EXPECT_EQ(big.status, 413);
    for (const char* method : {"PUT", "DELETE", "PATCH"}) {
        auto reply = gw_.request(method, url, one_click, urlencoded);
        EXPECT_EQ(reply.status, 405) << method;
        EXPECT_EQ(reply.headers["allow"], "GET, HEAD, POST");
    }
    expect_untouched("hu@example.com");
}

TEST_F(PreferenceCenter, NeedsNoAdminTokenAndIsCountedByRoute)
{
    auto reply =
        gw_.request("GET", link("ia@example.com"), "", {{"Authorization", "Bearer wrong"}});
    EXPECT_EQ(reply.status, 200);
    auto metrics = gw_.admin("GET", "/metrics").body;
    EXPECT_THAT(metrics, HasSubstr("route=\"/u/{token}\""));
}

} // namespace
} // namespace mailgate::test
