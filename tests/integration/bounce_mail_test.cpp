// Bounce mail end to end: the real `mailgate` binary sends through the test SMTP server, and
// bounces for what it sent come back through POST /v1/bounces: attributed ones suppress the
// recipient, unattributed ones are stored and suppress nobody, a copy is stored once.

#include "gateway_process.hpp"
#include "tests/support/bounce_mail.hpp"
#include "tests/support/smtp_test_server.hpp"
#include "tests/unit/core/imap/dovecot_server.hpp"
#include "tests/unit/core/smtp_server/listener_harness.hpp"

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

namespace mailgate::test {
namespace {

namespace json = boost::json;
using mailgate::testing::dsn_fields;
using mailgate::testing::postfix_dsn;
using mailgate::testing::smtp_test_server;

constexpr auto patience = std::chrono::seconds(15);

const std::string sections_yaml = "outbound:\n"
                                  "  poll_interval: 50ms\n"
                                  "  stop_grace: 200ms\n"
                                  "attribution:\n"
                                  "  key: AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n";

// A loopback port free a moment ago, for the bounce listener: the gateway reports only its HTTP
// port.
uint16_t free_port()
{
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    return acceptor.local_endpoint().port();
}

class BounceMail : public ::testing::Test {
protected:
    BounceMail() : gw_(options(server_.port(), listener_port_)) {}

    static gateway_options options(uint16_t port, uint16_t listener_port)
    {
        gateway_options o;
        o.extra_sections_yaml = sections_yaml + "bounces:\n  listen:\n    listen: 127.0.0.1:" +
                                std::to_string(listener_port) + "\n";
        o.extra_providers_yaml = "  - nickname: relay\n    driver: smtp\n    host: 127.0.0.1\n"
                                 "    port: " +
                                 std::to_string(port) +
                                 "\n    scheme: smtp\n    from_address: news@shop.example\n"
                                 "    bounce_domain: Bounces.Shop.example\n";
        return o;
    }

    /// Sends one message to `to` and waits until the server has it; its id.
    std::string send(const std::string& to)
    {
        const auto before = server_.messages().size();
        const auto reply =
            gw_.admin("POST", "/v1/messages",
                      json::serialize(json::object{{"provider", "relay"},
                                                   {"to", json::array{json::value(to)}},
                                                   {"subject", "Spring sale"},
                                                   {"campaign_id", "spring"},
                                                   {"text", "Everything half price."}}));
        EXPECT_EQ(reply.status, 202) << reply.body;
        EXPECT_TRUE(server_.wait_for_messages(before + 1, patience));
        return std::string(
            json::parse(reply.body).at("messages").as_array().at(0).at("id").as_string());
    }

    http_reply post_bounce(const std::string& raw, const std::string& type = "message/rfc822") const
    {
        return gw_.request(
            "POST", "/v1/bounces", raw,
            {{"Authorization", "Bearer " + gw_.admin_token()}, {"Content-Type", type}});
    }

    bool suppressed(const std::string& email) const
    {
        return gw_.admin("GET", "/v1/suppressions/" + email).status == 200;
    }

    smtp_test_server server_;
    uint16_t listener_port_ = free_port();
    gateway_process gw_;
};

TEST_F(BounceMail, ADsnToTheListenerAtTheReturnPathSuppressesTheRecipient)
{
    const std::string id = send("carla@example.com");
    const std::string return_path = server_.messages().back().mail_from;
    dsn_fields f;
    f.final_recipient = "carla@example.com";
    f.returned_headers = "Subject: Spring sale\r\n";

    using core::smtp_server::test::code_of;
    core::smtp_server::test::smtp_client mta(listener_port_);
    EXPECT_THAT(mta.read_reply(), ::testing::StartsWith("220 "));
    EXPECT_THAT(mta.command("EHLO mx.example.org"), ::testing::StartsWith("250"));
    EXPECT_EQ(code_of(mta.command("MAIL FROM:<>")), "250 2.1.0");
    // Forged, unsigned, or another domain: refused at RCPT, before any data.
    std::string forged = return_path;
    forged[5] = forged[5] == 'a' ? 'b' : 'a';
    for (const auto& other : {forged, std::string("postmaster@bounces.shop.example"),
                              std::string("carla@example.com")}) {
        EXPECT_EQ(code_of(mta.command("RCPT TO:<" + other + ">")), "550 5.1.1") << other;
    }
    EXPECT_EQ(code_of(mta.command("RCPT TO:<" + return_path + ">")), "250 2.1.5");
    EXPECT_THAT(mta.command("DATA"), ::testing::StartsWith("354 "));
    const auto reply = mta.command(postfix_dsn(f) + ".");
    EXPECT_EQ(code_of(reply), "250 2.0.0") << reply;
    // 250 came after the events were durable: the suppression is there at once.
    EXPECT_TRUE(suppressed("carla@example.com"));
    EXPECT_THAT(mta.command("QUIT"), ::testing::StartsWith("221"));

    const auto events = json::parse(gw_.admin("GET", "/v1/events?email=carla@example.com").body);
    const auto& items = events.at("items").as_array();
    ASSERT_EQ(items.size(), 1u);
    EXPECT_EQ(items[0].at("kind"), "hard_bounce");
    EXPECT_EQ(items[0].at("provider"), "relay");
    EXPECT_EQ(items[0].at("message_id").as_string(), id);
    EXPECT_EQ(items[0].at("campaign_id"), "spring");
}

TEST_F(BounceMail, ADsnQuotingASentMessageSuppressesItsRecipientOnce)
{
    const std::string id = send("jane.doe@example.net");
    dsn_fields f;
    f.returned_headers += "Message-ID: <" + id + "@shop.example>\r\n";
    const auto reply = post_bounce(postfix_dsn(f));
    ASSERT_EQ(reply.status, 200) << reply.body;
    const auto result = json::parse(reply.body).as_object();
    EXPECT_EQ(result.at("kind"), "bounce");
    EXPECT_EQ(result.at("attribution").at("method"), "message_id");
    EXPECT_EQ(result.at("attribution").at("message_id").as_string(), id);
    EXPECT_EQ(result.at("attribution").at("campaign_id"), "spring");
    EXPECT_EQ(result.at("stored"), 1);
    EXPECT_EQ(result.at("records").as_array().at(0).at("reason"), "userunknown");
    EXPECT_TRUE(suppressed("jane.doe@example.net"));

    const auto events = json::parse(gw_.admin("GET", "/v1/events?campaign=spring").body);
    const auto& items = events.at("items").as_array();
    ASSERT_EQ(items.size(), 1u) << json::serialize(events);
    EXPECT_EQ(items[0].at("kind"), "hard_bounce");
    EXPECT_EQ(items[0].at("provider"), "relay");
    EXPECT_EQ(items[0].at("reason"), "userunknown");

    const auto again = json::parse(post_bounce(postfix_dsn(f)).body);
    EXPECT_EQ(again.at("stored"), 0);
    EXPECT_EQ(again.at("duplicates"), 1);
    EXPECT_THAT(gw_.admin("GET", "/metrics").body,
                ::testing::HasSubstr("mailgate_bounce_messages_total{attribution=\"message_id\","
                                     "channel=\"api\",kind=\"bounce\"} 2"));
}

TEST_F(BounceMail, MessagesGoWithASignedReturnPathThatAttributesTheirBounces)
{
    const std::string id = send("ana@example.com");
    const std::string return_path = server_.messages().back().mail_from;
    EXPECT_THAT(return_path, ::testing::MatchesRegex("b-[a-z2-7]{45}@bounces\\.shop\\.example"));
    EXPECT_THAT(server_.messages().back().data, ::testing::HasSubstr("From: news@shop.example"))
        << "the From address stays the sender's";

    // A mailbox behind the bounce domain keeps the return path in Delivered-To; the returned
    // headers name nothing the gateway could use.
    dsn_fields f;
    f.final_recipient = "ana@example.com";
    f.returned_headers = "Subject: Spring sale\r\n";
    const auto reply = post_bounce("Delivered-To: " + return_path + "\r\n" + postfix_dsn(f));
    ASSERT_EQ(reply.status, 200) << reply.body;
    const auto result = json::parse(reply.body);
    EXPECT_EQ(result.at("attribution").at("method"), "return_path");
    EXPECT_EQ(result.at("attribution").at("message_id").as_string(), id);
    EXPECT_TRUE(suppressed("ana@example.com"));

    // The same return path with one character changed is nobody's.
    std::string forged = return_path;
    forged[5] = forged[5] == 'a' ? 'b' : 'a';
    f.final_recipient = "bob@example.com";
    const auto refused =
        json::parse(post_bounce("Delivered-To: " + forged + "\r\n" + postfix_dsn(f)).body);
    EXPECT_EQ(refused.at("attribution").at("method"), "none");
    EXPECT_FALSE(suppressed("bob@example.com"));
}

TEST_F(BounceMail, AnUnattributedDsnIsStoredAndSuppressesNobody)
{
    dsn_fields f;
    f.final_recipient = "victim@example.org";
    const auto reply = post_bounce(postfix_dsn(f));
    ASSERT_EQ(reply.status, 200) << reply.body;
    EXPECT_EQ(json::parse(reply.body).at("attribution").at("method"), "none");
    EXPECT_FALSE(suppressed("victim@example.org"));
    const auto events = json::parse(gw_.admin("GET", "/v1/events?email=victim@example.org").body);
    ASSERT_EQ(events.at("items").as_array().size(), 1u);
    EXPECT_EQ(events.at("items").as_array()[0].at("provider"), "bounce-mail");
}

TEST_F(BounceMail, TheRouteNeedsTheTokenAndAMessage)
{
    EXPECT_EQ(
        gw_.request("POST", "/v1/bounces", postfix_dsn(), {{"Content-Type", "message/rfc822"}})
            .status,
        401);
    EXPECT_EQ(post_bounce(postfix_dsn(), "application/json").status, 415);
    EXPECT_EQ(post_bounce("").status, 400);
    EXPECT_EQ(gw_.admin("GET", "/v1/bounces").status, 405);
    const auto ordinary = post_bounce("From: a@example.org\r\nSubject: hi\r\n\r\nhello\r\n");
    ASSERT_EQ(ordinary.status, 200);
    EXPECT_EQ(json::parse(ordinary.body).at("kind"), "not_bounce");
    EXPECT_TRUE(json::parse(ordinary.body).at("events").as_array().empty());
}

// A Gmail-like set-up: the provider rewrites nothing here, but bounces land in a mailbox the
// gateway polls over IMAP (a real Dovecot) instead of reaching a listener.
class BounceMailbox : public ::testing::Test {
protected:
    void SetUp() override
    {
        if (const auto why = dovecot_server::unavailable(); !why.empty()) {
            GTEST_SKIP() << why;
        }
        dovecot_.emplace();
        const auto password_file = dovecot_->dir() / "password";
        gateway_options o;
        o.extra_sections_yaml = sections_yaml +
                                "bounces:\n  mailboxes:\n    - name: inbox\n      host: 127.0.0.1\n"
                                "      port: " +
                                std::to_string(dovecot_->port()) +
                                "\n      security: none\n      user: " + dovecot_->user() +
                                "\n      password: file:" + password_file.string() +
                                "\n      poll_interval: 300ms\n      timeout: 5s\n";
        o.extra_providers_yaml = "  - nickname: relay\n    driver: smtp\n    host: 127.0.0.1\n"
                                 "    port: " +
                                 std::to_string(server_.port()) +
                                 "\n    scheme: smtp\n    from_address: news@shop.example\n";
        gw_.emplace(o);
    }

    smtp_test_server server_;
    std::optional<dovecot_server> dovecot_;
    std::optional<gateway_process> gw_;
};

TEST_F(BounceMailbox, ABounceInThePolledMailboxSuppressesAndIsMovedOrdinaryMailStays)
{
    const auto before = server_.messages().size();
    const auto sent = gw_->admin("POST", "/v1/messages",
                                 R"({"provider":"relay","to":["dora@example.com"],)"
                                 R"("subject":"Spring sale","campaign_id":"spring","text":"Hi"})");
    ASSERT_EQ(sent.status, 202) << sent.body;
    ASSERT_TRUE(server_.wait_for_messages(before + 1, patience));
    const std::string message_id =
        std::string(json::parse(sent.body).at("messages").as_array().at(0).at("id").as_string());

    dsn_fields f;
    f.final_recipient = "dora@example.com";
    f.returned_headers += "Message-ID: <" + message_id + "@shop.example>\r\n";
    dovecot_->deliver(postfix_dsn(f));
    dovecot_->deliver("From: friend@example.org\r\nSubject: lunch?\r\n\r\nTomorrow?\r\n");

    const auto deadline = std::chrono::steady_clock::now() + patience;
    while (gw_->admin("GET", "/v1/suppressions/dora@example.com").status != 200 &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_EQ(gw_->admin("GET", "/v1/suppressions/dora@example.com").status, 200);
    const auto events = json::parse(gw_->admin("GET", "/v1/events?email=dora@example.com").body);
    ASSERT_EQ(events.at("items").as_array().size(), 1u);
    EXPECT_EQ(events.at("items").as_array()[0].at("campaign_id"), "spring");
    EXPECT_THAT(gw_->admin("GET", "/metrics").body,
                ::testing::HasSubstr("mailgate_bounce_messages_total{attribution=\"message_id\","
                                     "channel=\"imap:inbox\",kind=\"bounce\"} 1"));

    // Moved once handled; the ordinary message untouched in INBOX.
    while (dovecot_->messages("mailgate/processed").empty() &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_EQ(dovecot_->messages("mailgate/processed").size(), 1u);
    EXPECT_THAT(dovecot_->messages("mailgate/processed")[0],
                ::testing::HasSubstr("Undelivered Mail Returned to Sender"));
    const auto inbox = dovecot_->messages();
    ASSERT_EQ(inbox.size(), 1u);
    EXPECT_THAT(inbox[0], ::testing::HasSubstr("lunch?"));
}

} // namespace
} // namespace mailgate::test
