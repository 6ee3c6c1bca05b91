// Outbound sending end to end: the real `mailgate` binary and drivers, the test SMTP server as
// the provider's server, HTTP to the API. Accepted messages arrive, suppressed recipients never
// reach the server, a 550 at RCPT suppresses, transient failures are retried, a kill -9 loses
// nothing, and each driver's decoration carries the token its ESP echoes back.

#include "gateway_process.hpp"
#include "tests/support/smtp_test_server.hpp"

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cctype>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <thread>

namespace mailgate::test {
namespace {

namespace json = boost::json;
using mailgate::testing::received_message;
using mailgate::testing::smtp_fault;
using mailgate::testing::smtp_phase;
using mailgate::testing::smtp_test_server;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr auto patience = std::chrono::seconds(15);

// Quick retries and short timeouts, so failures and their retries happen within a test.
const std::string outbound_yaml = "outbound:\n"
                                  "  retry_initial: 100ms\n"
                                  "  retry_max: 200ms\n"
                                  "  poll_interval: 50ms\n"
                                  "  stop_grace: 200ms\n"
                                  "  connect_timeout: 2s\n"
                                  "  greeting_timeout: 2s\n"
                                  "  command_timeout: 2s\n"
                                  "  data_init_timeout: 2s\n"
                                  "  data_end_timeout: 2s\n"
                                  "attribution:\n"
                                  "  key: AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n";

std::string provider_yaml(const std::string& nickname, const std::string& driver, uint16_t port,
                          const std::string& extra = "")
{
    return "  - nickname: " + nickname + "\n    driver: " + driver +
           "\n    host: 127.0.0.1\n    port: " + std::to_string(port) +
           "\n    scheme: smtp\n    from_name: Shop\n    from_address: news@shop.example\n" + extra;
}

/// The unfolded value of the first header `name` in a message's data, or "".
std::string header_of(const std::string& data, const std::string& name)
{
    const auto head = data.substr(0, data.find("\r\n\r\n"));
    const std::string key = "\r\n" + name + ": ";
    auto at = ("\r\n" + head).find(key);
    if (at == std::string::npos) {
        return "";
    }
    std::string value;
    for (auto i = at + key.size() - 2; i < head.size(); ++i) {
        if (head.compare(i, 2, "\r\n") == 0) {
            if (i + 2 >= head.size() || (head[i + 2] != ' ' && head[i + 2] != '\t')) {
                break;
            }
            i += 1;
            continue;
        }
        value += head[i];
    }
    return value;
}

// Providers written with "port: 0" point at the test server, whose port is known only once
// it listens.
std::string at_server(std::string yaml, uint16_t port)
{
    for (std::size_t at = yaml.find("port: 0\n"); at != std::string::npos;
         at = yaml.find("port: 0\n")) {
        yaml.replace(at, 8, "port: " + std::to_string(port) + "\n");
    }
    return yaml;
}

class Sending : public ::testing::Test {
protected:
    /// `outbound_extra`: more keys of the outbound section, each line indented by two.
    explicit Sending(std::string extra_providers = "",
                     mailgate::testing::smtp_server_options server = {},
                     const std::string& outbound_extra = "")
        : server_(std::move(server)),
          gw_(options(server_.port(), std::move(extra_providers), outbound_extra))
    {
    }

    static gateway_options options(uint16_t port, std::string extra_providers,
                                   const std::string& outbound_extra)
    {
        gateway_options o;
        o.extra_sections_yaml = outbound_yaml;
        o.extra_sections_yaml.insert(std::string_view("outbound:\n").size(), outbound_extra);
        o.extra_providers_yaml =
            provider_yaml("relay", "smtp", port) + at_server(std::move(extra_providers), port);
        return o;
    }

    json::value send(const std::string& body, int expected_status = 202)
    {
        auto reply = gw_.admin("POST", "/v1/messages", body);
        EXPECT_EQ(reply.status, expected_status) << reply.body;
        return json::parse(reply.body);
    }

    /// Posts one message to each recipient through `provider`; their ids, in order.
    std::vector<std::string> send_to(const std::vector<std::string>& to,
                                     const std::string& provider = "relay")
    {
        json::array list;
        for (const auto& t : to) {
            list.push_back(json::value(t));
        }
        auto body = send(json::serialize(json::object{{"provider", provider},
                                                      {"to", list},
                                                      {"subject", "Your order"},
                                                      {"campaign_id", "spring"},
                                                      {"text", "Thanks for your order."}}));
        std::vector<std::string> ids;
        for (const auto& m : body.at("messages").as_array()) {
            ids.emplace_back(m.at("id").as_string());
        }
        return ids;
    }

    json::object message(const std::string& id)
    {
        auto reply = gw_.admin("GET", "/v1/messages/" + id);
        EXPECT_EQ(reply.status, 200) << reply.body;
        return json::parse(reply.body).as_object();
    }

    /// Waits until the message is in `state`; its last status either way.
    json::object wait_for_state(const std::string& id, const std::string& state)
    {
        const auto deadline = std::chrono::steady_clock::now() + patience;
        auto m = message(id);
        while (m.at("state").as_string() != state && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            m = message(id);
        }
        EXPECT_EQ(m.at("state").as_string(), state) << json::serialize(m);
        return m;
    }

    smtp_test_server server_;
    gateway_process gw_;
};

TEST_F(Sending, AnAcceptedMessageIsDeliveredWithTheGatewaysHeaders)
{
    auto ids = send_to({"ana@example.com"});
    ASSERT_EQ(ids.size(), 1u);
    auto status = wait_for_state(ids[0], "sent");
    ASSERT_TRUE(server_.wait_for_messages(1, patience));

    const received_message got = server_.messages().at(0);
    EXPECT_EQ(got.mail_from, "news@shop.example");
    EXPECT_EQ(got.recipients, std::vector<std::string>{"ana@example.com"});
    EXPECT_EQ(header_of(got.data, "From"), "Shop <news@shop.example>");
    EXPECT_EQ(header_of(got.data, "To"), "ana@example.com");
    EXPECT_EQ(header_of(got.data, "Subject"), "Your order");
    EXPECT_EQ(header_of(got.data, "Message-ID"), "<" + ids[0] + "@shop.example>");
    EXPECT_THAT(header_of(got.data, "X-Mailgate-Meta"), HasSubstr("m1"));
    EXPECT_THAT(got.data, HasSubstr("Thanks for your order."));
    EXPECT_EQ(status.at("attempts").as_int64(), 1);
    EXPECT_EQ(status.at("provider_message_id").as_string(), got.queue_id);
    EXPECT_THAT(std::string(status.at("last_reply").as_string()), HasSubstr("250"));
}

TEST_F(Sending, ManyRecipientsShareAConnection)
{
    std::vector<std::string> to;
    for (int i = 0; i < 30; ++i) {
        to.push_back("r" + std::to_string(i) + "@example.com");
    }
    auto ids = send_to(to);
    ASSERT_TRUE(server_.wait_for_messages(30, patience));
    for (const auto& id : ids) {
        wait_for_state(id, "sent");
    }
    EXPECT_LE(server_.connections_accepted(), 10u) << "the pool's default max_connections";
    EXPECT_GT(server_.command_count("RSET"), 0u) << "connections were reused";
}

// Two attempts at a time: at most two recipients of a request go to the workers at once,
// stored leased to this node; the others wait in the queue for a claim. Each is sent once,
// at its first attempt, either way.
class NarrowSending : public Sending {
protected:
    NarrowSending() : Sending("", {}, "  max_in_flight: 2\n") {}
};

TEST_F(NarrowSending, RecipientsBeyondTheWorkersRoomWaitInTheQueue)
{
    std::vector<std::string> to;
    for (int i = 0; i < 8; ++i) {
        to.push_back("n" + std::to_string(i) + "@example.com");
    }
    auto body = send(json::serialize(
        json::object{{"provider", "relay"}, {"to", json::value_from(to)}, {"text", "Thanks."}}));
    std::map<std::string, int> states;
    std::vector<std::string> ids;
    for (const auto& m : body.at("messages").as_array()) {
        ++states[std::string(m.at("state").as_string())];
        ids.emplace_back(m.at("id").as_string());
    }
    EXPECT_LE(states["sending"], 2);
    EXPECT_EQ(states["sending"] + states["queued"], 8) << json::serialize(body);
    for (const auto& id : ids) {
        EXPECT_EQ(wait_for_state(id, "sent").at("attempts").as_int64(), 1);
    }
    ASSERT_EQ(server_.messages().size(), 8u);
    std::set<std::string> recipients;
    for (const auto& m : server_.messages()) {
        recipients.insert(m.recipients.begin(), m.recipients.end());
    }
    EXPECT_EQ(recipients, std::set<std::string>(to.begin(), to.end()));
}

TEST_F(Sending, ASuppressedRecipientIsRefusedAndNeverReachesTheServer)
{
    ASSERT_EQ(gw_.admin("PUT", "/v1/suppressions/gone@example.com").status, 200);

    auto body = send(R"({"provider": "relay", "text": "hi",
                         "to": ["Gone@Example.com", "here@example.com"]})");
    ASSERT_EQ(body.at("messages").as_array().size(), 1u);
    EXPECT_EQ(body.at("messages").at(0).at("to").as_string(), "here@example.com");
    EXPECT_EQ(body.at("refused").at(0).at("to").as_string(), "Gone@example.com")
        << "the address as the gateway reads it: domains are case-insensitive";
    EXPECT_EQ(body.at("refused").at(0).at("reason").as_string(), "manual");

    auto all_refused =
        send(R"({"provider": "relay", "text": "hi", "to": "gone@example.com"})", 422);
    EXPECT_EQ(all_refused.at("refused").at(0).at("reason").as_string(), "manual");

    wait_for_state(std::string(body.at("messages").at(0).at("id").as_string()), "sent");
    for (const auto& m : server_.messages()) {
        EXPECT_THAT(m.recipients, Not(::testing::Contains("gone@example.com")));
    }
    EXPECT_EQ(server_.command_count("RCPT"), 1u);
    EXPECT_THAT(gw_.admin("GET", "/metrics").body,
                HasSubstr("mailgate_outbound_refused_suppressed_total{provider=\"relay\"} 2"))
        << "one refused in each request";
}

// One mailbox, two written forms: suppressed in one (in the admin API's path, percent-encoded),
// sent to in the other. None may reach the server.
struct written_forms {
    const char* suppressed; ///< percent-encoded for the path
    const char* sent;
};

const written_forms same_mailbox[] = {
    {"zoe@b%C3%BCcher.example", "zoe@xn--bcher-kva.example"},
    {"yan@xn--bcher-kva.example", "yan@B\u00fccher.example"},
    {"ann@example.com", "\"ann\"@example.com"},
    {"%22bob%22@example.com", "Bob@example.com"},
    {"%22john%20smith%22@example.com", "\"John Smith\"@example.com"},
    {"%C3%89LODIE@example.com", "\u00e9lodie@example.com"},
    {"%CE%A3%CE%9F%CE%A6%CE%99%CE%91@example.com", "\u03c3\u03bf\u03c6\u03b9\u03b1@example.com"},
};

TEST_F(Sending, ASuppressionHoldsForEveryWrittenFormOfTheAddress)
{
    for (const auto& form : same_mailbox) {
        SCOPED_TRACE(form.sent);
        const auto put = gw_.admin("PUT", std::string("/v1/suppressions/") + form.suppressed);
        ASSERT_EQ(put.status, 200) << put.body;
        auto refused = send(
            json::serialize(json::object{{"provider", "relay"}, {"text", "hi"}, {"to", form.sent}}),
            422);
        EXPECT_EQ(refused.at("refused").at(0).at("reason").as_string(), "manual");
    }
    // A hard bounce an ESP reports in one form suppresses the others.
    ASSERT_EQ(gw_.request("POST", "/v1/callbacks/legacy",
                          R"([{"event":"hardbounce","data":[{"e":"Kai@b\u00fccher.example",)"
                          R"("ts":1435322805}]}])")
                  .status,
              200);
    auto refused =
        send(R"({"provider": "relay", "text": "hi", "to": "kai@xn--bcher-kva.example"})", 422);
    EXPECT_EQ(refused.at("refused").at(0).at("reason").as_string(), "hard_bounce");
    auto events = gw_.admin("GET", "/v1/events?email=KAI@xn--bcher-kva.example");
    ASSERT_EQ(events.status, 200) << events.body;
    ASSERT_EQ(json::parse(events.body).at("items").as_array().size(), 1u) << events.body;
    EXPECT_EQ(json::parse(events.body).at("items").at(0).at("email").as_string(),
              "kai@xn--bcher-kva.example");

    // A test message too, unless the operator says so.
    auto test =
        gw_.admin("POST", "/v1/providers/relay/test", R"({"to": "\"zoe\"@b\u00fccher.example"})");
    EXPECT_EQ(test.status, 422) << test.body;
    EXPECT_THAT(test.body, HasSubstr("suppressed in every stream (reason: manual)"));
    EXPECT_EQ(server_.command_count("RCPT"), 0u);
    EXPECT_EQ(gw_.admin("POST", "/v1/providers/relay/test", R"({"to": "zoe@example.com",
                                                               "allow_suppressed": "yes"})")
                  .status,
              400);

    auto allowed = gw_.admin("POST", "/v1/providers/relay/test",
                             R"({"to": "zoe@xn--bcher-kva.example", "allow_suppressed": true})");
    ASSERT_EQ(allowed.status, 200) << allowed.body;
    EXPECT_TRUE(json::parse(allowed.body).at("ok").as_bool()) << allowed.body;
    EXPECT_EQ(server_.command_count("RCPT"), 1u) << "only the test the operator allowed";
}

// A quoted local part is an address like any other: it is accepted, sent and can be suppressed.
// A domain entry refuses every address of the domain, at acceptance and right before the
// transaction, and no address of another domain (a subdomain is another domain).
TEST_F(Sending, ADomainSuppressionRefusesEveryAddressOfTheDomain)
{
    auto put = gw_.admin("PUT", "/v1/suppressions/*@Blocked.example",
                         R"({"reason": "customer left", "note": "ticket 4711"})");
    ASSERT_EQ(put.status, 200) << put.body;
    auto body = send(R"({"provider": "relay", "text": "hi",
                         "to": ["a@blocked.example", "B@BLOCKED.example", "c@sub.blocked.example"]})");
    ASSERT_EQ(body.at("messages").as_array().size(), 1u);
    EXPECT_EQ(body.at("messages").at(0).at("to").as_string(), "c@sub.blocked.example");
    ASSERT_EQ(body.at("refused").as_array().size(), 2u);
    EXPECT_EQ(body.at("refused").at(0).at("suppressed").as_string(), "*@blocked.example");
    EXPECT_EQ(body.at("refused").at(1).at("reason").as_string(), "customer left");
    wait_for_state(std::string(body.at("messages").at(0).at("id").as_string()), "sent");
    EXPECT_EQ(server_.command_count("RCPT"), 1u);

    ASSERT_EQ(gw_.admin("DELETE", "/v1/suppressions/*@blocked.example").status, 204);
    auto after = send(R"({"provider": "relay", "text": "hi", "to": "a@blocked.example"})");
    EXPECT_EQ(after.at("refused").as_array().size(), 0u);
}

// Manual changes record who made them: each admin token has a name, and the address's history
// says which token suppressed it, and why.
TEST(NamedAdminTokens, AManualChangeRecordsTheTokensNameAndNote)
{
    gateway_options o;
    o.extra_admin_yaml = "  tokens:\n"
                         "    - {name: support-desk, token: support-token-0123456789}\n";
    gateway_process gw(o);
    gw.start();
    const std::map<std::string, std::string> support{
        {"Authorization", "Bearer support-token-0123456789"}};
    auto put = gw.request("PUT", "/v1/suppressions/ann@example.com",
                          R"({"reason": "asked by phone", "note": "ticket 4711"})", support);
    ASSERT_EQ(put.status, 200) << put.body;
    auto wrong = gw.request("PUT", "/v1/suppressions/bob@example.com", "",
                            {{"Authorization", "Bearer support-token-0123456780"}});
    EXPECT_EQ(wrong.status, 401);

    auto page = json::parse(gw.admin("GET", "/v1/addresses/ann@example.com").body);
    const auto& change = page.at("history").at(0);
    EXPECT_EQ(change.at("source").as_string(), "admin:support-desk");
    EXPECT_EQ(change.at("reason").as_string(), "asked by phone");
    EXPECT_EQ(change.at("note").as_string(), "ticket 4711");
    EXPECT_EQ(json::serialize(page.at("suppressed_in")), R"(["*"])");

    ASSERT_EQ(gw.admin("DELETE", "/v1/suppressions/ann@example.com?note=called%20back").status,
              204);
    page = json::parse(gw.admin("GET", "/v1/addresses/ann@example.com").body);
    EXPECT_EQ(page.at("history").at(1).at("action").as_string(), "lift");
    EXPECT_EQ(page.at("history").at(1).at("source").as_string(), "admin:admin");
    EXPECT_EQ(page.at("history").at(1).at("note").as_string(), "called back");
    EXPECT_EQ(page.at("suppressed_in").as_array().size(), 0u);
}

// A manual entry's body and path are the operator's, but a script's bug must not store what
// breaks the list's exports or the logs: each is refused whole, with the reason, and nothing is
// stored.
TEST_F(Sending, AManualEntryRefusesMalformedBodiesAndNames)
{
    const std::string long_note = R"({"note": ")" + std::string(600, 'n') + R"("})";
    const std::vector<std::pair<std::string, std::string>> refused{
        {"/v1/suppressions/x@example.com", "[1]"},
        {"/v1/suppressions/x@example.com", R"({"reason": 5})"},
        {"/v1/suppressions/x@example.com", R"({"reason": "a)"},
        {"/v1/suppressions/x@example.com", R"({"expires_at": "tomorrow"})"},
        {"/v1/suppressions/x@example.com", R"({"stream": "weekly"})"},
        {"/v1/suppressions/x@example.com", R"({"reason": "bad\u0000reason"})"},
        {"/v1/suppressions/x@example.com", "{\"reason\": \"caf\xc3\"}"},
        {"/v1/suppressions/x@example.com", long_note},
        {"/v1/suppressions/x@example.com?stream=weekly", ""},
        {"/v1/suppressions/*@", ""},
        {"/v1/suppressions/*@bad..example", ""},
        {"/v1/suppressions/not-an-address", ""},
    };
    for (const auto& [target, body] : refused) {
        auto reply = gw_.admin("PUT", target, body);
        EXPECT_EQ(reply.status, 400) << target << " " << body << ": " << reply.body;
    }
    auto list = json::parse(gw_.admin("GET", "/v1/suppressions").body);
    EXPECT_EQ(list.at("items").as_array().size(), 0u) << json::serialize(list);
}

TEST_F(Sending, AQuotedLocalPartIsSentAndSuppressible)
{
    auto ids = send_to({"\"john smith\"@example.com"});
    ASSERT_EQ(ids.size(), 1u);
    wait_for_state(ids[0], "sent");
    ASSERT_TRUE(server_.wait_for_messages(1, patience));
    EXPECT_EQ(server_.messages().at(0).recipients,
              std::vector<std::string>{"\"john smith\"@example.com"});
    EXPECT_EQ(gw_.admin("PUT", "/v1/suppressions/%22john%20smith%22@example.com").status, 200);
    auto got = gw_.admin("GET", "/v1/suppressions/%22John%20Smith%22@example.com");
    ASSERT_EQ(got.status, 200) << got.body;
    EXPECT_EQ(json::parse(got.body).at("email").as_string(), "\"john smith\"@example.com");
}

TEST_F(Sending, TheSendTestCommandRefusesASuppressedRecipientUnlessAllowed)
{
    ASSERT_EQ(gw_.admin("PUT", "/v1/suppressions/ops@example.com").status, 200);
    const auto config = (gw_.dir() / "mailgate.yaml").string();
    const auto out = (gw_.dir() / "send-test.out").string();
    const std::string command = std::string(MAILGATE_BINARY) + " send-test --config " + config +
                                " --provider relay --to '\"Ops\"@Example.com' > " + out + " 2>&1";
    EXPECT_NE(std::system(command.c_str()), 0);
    std::ifstream in(out);
    std::string printed((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_THAT(printed, HasSubstr("is suppressed in every stream (reason: manual)"));
    EXPECT_EQ(server_.command_count("RCPT"), 0u);

    const std::string allowed = std::string(MAILGATE_BINARY) + " send-test --config " + config +
                                " --provider relay --to ops@example.com --allow-suppressed > " +
                                out + " 2>&1";
    EXPECT_EQ(std::system(allowed.c_str()), 0);
    EXPECT_EQ(server_.command_count("RCPT"), 1u);
}

// A message deferred before its recipient was suppressed: the next attempt reads the list again
// and ends the message failed, with the reason, without any RCPT. `suppress` suppresses the
// recipient in another written form.
class SuppressedWhileDeferred : public Sending {
protected:
    void expect_never_sent(const std::string& to, const std::function<void()>& suppress,
                           const std::string& reason)
    {
        // Refused at the greeting: no attempt gets as far as a RCPT (pipelined or not).
        server_.inject(smtp_phase::greeting,
                       {smtp_fault::action::reply, "421 4.3.2 try later", -1});
        auto ids = send_to({to});
        ASSERT_EQ(ids.size(), 1u);
        auto m = wait_for_state(ids[0], "deferred");
        suppress();
        // An attempt that read the list before the suppression may still be under way: the
        // server refuses it until the one after has begun.
        const auto before = message(ids[0]).at("attempts").as_int64();
        const auto deadline = std::chrono::steady_clock::now() + patience;
        for (m = message(ids[0]);
             m.at("attempts").as_int64() <= before && m.at("state").as_string() != "failed" &&
             std::chrono::steady_clock::now() < deadline;
             m = message(ids[0])) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        server_.clear_faults();

        m = wait_for_state(ids[0], "failed");
        EXPECT_EQ(m.at("failure").as_string(), "recipient suppressed");
        EXPECT_THAT(std::string(m.at("last_reply").as_string()),
                    HasSubstr("suppressed in marketing (reason: " + reason + ")"));
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        EXPECT_EQ(message(ids[0]).at("state").as_string(), "failed");
        EXPECT_EQ(server_.command_count("RCPT"), 0u);
        EXPECT_TRUE(server_.messages().empty());
    }
};

TEST_F(SuppressedWhileDeferred, ByTheAdminApiInAnotherForm)
{
    expect_never_sent(
        "\"Kim\"@xn--bcher-kva.example",
        [&] {
            ASSERT_EQ(gw_.admin("PUT", "/v1/suppressions/kim@B%C3%BCcher.example").status, 200);
        },
        "manual");
}

TEST_F(SuppressedWhileDeferred, ByAHardBounceCallbackInAnotherForm)
{
    expect_never_sent(
        "lea@xn--bcher-kva.example",
        [&] {
            ASSERT_EQ(
                gw_.request("POST", "/v1/callbacks/legacy",
                            R"([{"event":"hardbounce","data":[{"e":"\"LEA\"@b\u00fccher.example",)"
                            R"("ts":1435322805}]}])")
                    .status,
                200);
        },
        "hard_bounce");
}

TEST_F(Sending, A550AtRcptFailsTheMessageAndSuppressesTheAddress)
{
    server_.reject_recipient("nobody@example.com", "550 5.1.1 <nobody@example.com>: no such user");
    auto ids = send_to({"nobody@example.com"});
    auto status = wait_for_state(ids[0], "failed");
    EXPECT_EQ(status.at("failure").as_string(), "SMTP invalid email ID");
    EXPECT_THAT(std::string(status.at("last_reply").as_string()), HasSubstr("550 5.1.1"));
    EXPECT_EQ(status.at("attempts").as_int64(), 1) << "a permanent refusal is not retried";

    auto suppression = gw_.admin("GET", "/v1/suppressions/nobody@example.com");
    ASSERT_EQ(suppression.status, 200) << suppression.body;
    EXPECT_EQ(json::parse(suppression.body).at("reason").as_string(), "hard_bounce");
    auto events = json::parse(gw_.admin("GET", "/v1/events?email=nobody@example.com").body);
    ASSERT_EQ(events.at("items").as_array().size(), 1u);
    const auto& bounce = events.at("items").at(0);
    EXPECT_EQ(bounce.at("kind").as_string(), "hard_bounce");
    EXPECT_EQ(bounce.at("reason").as_string(), "userunknown");
    EXPECT_EQ(bounce.at("message_id").as_string(), ids[0]);
    EXPECT_EQ(bounce.at("campaign_id").as_string(), "spring");
    EXPECT_EQ(bounce.at("system_events").at(0).at("name").as_string(), "Notification Failed");

    send(R"({"provider": "relay", "text": "again", "to": "nobody@example.com"})", 422);
}

// The receiver refusing the sender at RCPT says nothing about the recipient: the message fails,
// the event says why, and the address stays mailable (docs/events.md).
TEST_F(Sending, A550ForPoorReputationAtRcptIsASoftBounceThatSuppressesNobody)
{
    server_.reject_recipient("fine@example.com",
                             "550 5.7.1 Message rejected due to poor reputation of the sender");
    auto ids = send_to({"fine@example.com"});
    auto status = wait_for_state(ids[0], "failed");
    EXPECT_EQ(status.at("attempts").as_int64(), 1);

    auto events = json::parse(gw_.admin("GET", "/v1/events?email=fine@example.com").body);
    ASSERT_EQ(events.at("items").as_array().size(), 1u);
    const auto& bounce = events.at("items").at(0);
    EXPECT_EQ(bounce.at("kind").as_string(), "soft_bounce");
    EXPECT_EQ(bounce.at("reason").as_string(), "badreputation");
    EXPECT_EQ(bounce.at("smtp_code").as_int64(), 550);
    EXPECT_EQ(bounce.at("status").as_string(), "5.7.1");
    EXPECT_EQ(bounce.at("message_id").as_string(), ids[0]);
    EXPECT_EQ(gw_.admin("GET", "/v1/suppressions/fine@example.com").status, 404);
    auto report = json::parse(gw_.admin("GET", "/v1/reports/campaigns/spring").body);
    EXPECT_EQ(report.at("reasons").at("badreputation").as_int64(), 1);

    send(R"({"provider": "relay", "text": "again", "to": "fine@example.com"})", 202);
}

TEST_F(Sending, ATransientRefusalIsRetriedUntilItIsSent)
{
    server_.inject(smtp_phase::rcpt, {smtp_fault::action::reply, "451 4.7.1 greylisted", 2});
    auto ids = send_to({"later@example.com"});
    auto status = wait_for_state(ids[0], "sent");
    EXPECT_EQ(status.at("attempts").as_int64(), 3);
    EXPECT_EQ(server_.messages().size(), 1u);
}

TEST_F(Sending, APermanentRefusalOfTheMessageFailsItWithoutSuppressing)
{
    server_.inject(smtp_phase::data_end, {smtp_fault::action::reply, "554 5.7.1 spam", -1});
    auto ids = send_to({"fine@example.com"});
    auto status = wait_for_state(ids[0], "failed");
    EXPECT_EQ(status.at("failure").as_string(), "SMTP dispatching failed");
    EXPECT_EQ(gw_.admin("GET", "/v1/suppressions/fine@example.com").status, 404);
}

TEST_F(Sending, AStalledServerIsATimeoutAndTheMessageWaitsForARetry)
{
    server_.inject(smtp_phase::greeting, {smtp_fault::action::stall, "", 1});
    auto ids = send_to({"slow@example.com"});
    auto status = wait_for_state(ids[0], "sent");
    EXPECT_EQ(status.at("attempts").as_int64(), 2);
}

// A message the server keeps refusing for now waits in the queue: the queue view and its
// metrics show it under its provider, with its age.
TEST_F(Sending, TheQueueViewShowsAMessageThatKeepsBeingDeferred)
{
    server_.inject(smtp_phase::rcpt, {smtp_fault::action::reply, "451 4.2.0 try later", -1});
    auto ids = send_to({"later@example.com"});
    wait_for_state(ids[0], "deferred");

    auto queue = json::parse(gw_.admin("GET", "/v1/queue").body).as_object();
    EXPECT_EQ(queue.at("messages"), 1);
    ASSERT_EQ(queue.at("items").as_array().size(), 1u) << queue;
    const auto& row = queue.at("items").at(0).as_object();
    EXPECT_EQ(row.at("provider"), "relay");
    EXPECT_THAT(std::string(row.at("state").as_string()), ::testing::AnyOf("deferred", "sending"))
        << "retried every 200 ms";
    EXPECT_EQ(row.at("messages"), 1);
    EXPECT_GE(row.at("oldest_age_seconds").as_int64(), 0);
    EXPECT_TRUE(row.at("next_attempt_at").is_string());

    const auto metrics = gw_.admin("GET", "/metrics").body;
    EXPECT_THAT(metrics, ::testing::ContainsRegex(
                             "mailgate_outbound_queue_messages\\{provider=\"relay\",state=\""
                             "(deferred|sending)\"\\} 1\n"));
    EXPECT_THAT(metrics, HasSubstr("mailgate_outbound_queue_oldest_seconds{provider=\"relay\""));
    EXPECT_EQ(gw_.admin("POST", "/v1/queue").status, 405);
}

TEST_F(Sending, InvalidRequestsAreRefusedWhole)
{
    auto bad = gw_.admin("POST", "/v1/messages",
                         R"({"provider": "relay", "text": "t", "to": ["ok@example.com", "x@"]})");
    EXPECT_EQ(bad.status, 400);
    EXPECT_THAT(bad.body, HasSubstr("to[1]"));
    auto unknown = gw_.admin("POST", "/v1/messages",
                             R"({"provider": "nope", "text": "t", "to": "a@b.example"})");
    EXPECT_EQ(unknown.status, 400);
    EXPECT_THAT(unknown.body, HasSubstr("provider: "));
    EXPECT_EQ(gw_.request("POST", "/v1/messages", R"({"provider": "relay"})").status, 401);
    EXPECT_EQ(gw_.admin("GET", "/v1/messages/no-such-id").status, 404);
    EXPECT_EQ(gw_.admin("DELETE", "/v1/messages").status, 405);
    EXPECT_EQ(server_.connections_accepted(), 0u);
}

// Without attribution.key no message has a token for the driver to put on it: the send is
// refused with the setting to fix and how, and nothing reaches the server.
TEST(SendingWithoutAttribution, TheRefusalNamesTheSettingAndHowToMakeIt)
{
    smtp_test_server server;
    gateway_options o;
    o.extra_providers_yaml = provider_yaml("relay", "smtp", server.port());
    gateway_process gw(o);

    auto reply = gw.admin("POST", "/v1/messages",
                          R"({"provider": "relay", "text": "t", "to": "a@example.com"})");

    EXPECT_EQ(reply.status, 500);
    EXPECT_THAT(reply.body, HasSubstr("no attribution.key is configured"));
    EXPECT_THAT(reply.body, HasSubstr("mailgate secret generate-key"));
    EXPECT_EQ(server.connections_accepted(), 0u);
}

TEST_F(Sending, KillNineWithQueuedMessagesDeliversEachOnceAfterARestart)
{
    auto first = send_to({"a0@example.com", "a1@example.com", "a2@example.com"});
    for (const auto& id : first) {
        wait_for_state(id, "sent");
    }
    server_.inject(smtp_phase::mail, {smtp_fault::action::stall, "", -1});
    std::vector<std::string> to;
    for (int i = 0; i < 20; ++i) {
        to.push_back("b" + std::to_string(i) + "@example.com");
    }
    auto second = send_to(to);
    const auto deadline = std::chrono::steady_clock::now() + patience;
    while (server_.command_count("MAIL") < 4 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_GE(server_.command_count("MAIL"), 4u) << "attempts were under way";
    EXPECT_EQ(gw_.stop(SIGKILL), 128 + SIGKILL);

    server_.clear_faults();
    gw_.start();
    for (const auto& id : second) {
        wait_for_state(id, "sent");
    }
    std::map<std::string, int> deliveries;
    for (const auto& m : server_.messages()) {
        for (const auto& r : m.recipients) {
            ++deliveries[r];
        }
    }
    EXPECT_EQ(deliveries.size(), 23u);
    for (const auto& [rcpt, count] : deliveries) {
        EXPECT_EQ(count, 1) << rcpt << " was sent " << count << " times";
    }
}

TEST_F(Sending, SigtermCutsOffAStalledAttemptAndTheRestartSendsIt)
{
    server_.inject(smtp_phase::greeting, {smtp_fault::action::stall, "", -1});
    auto ids = send_to({"patient@example.com"});
    const auto deadline = std::chrono::steady_clock::now() + patience;
    while (server_.connections_accepted() == 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    const auto stopping = std::chrono::steady_clock::now();
    EXPECT_EQ(gw_.stop(SIGTERM), 0);
    EXPECT_LT(std::chrono::steady_clock::now() - stopping, std::chrono::seconds(2))
        << "the stop waits stop_grace (200ms), not the greeting timeout";

    server_.clear_faults();
    gw_.start();
    auto status = wait_for_state(ids[0], "sent");
    EXPECT_EQ(status.at("attempts").as_int64(), 2);
}

TEST_F(Sending, ATestEmailShowsTheConversation)
{
    auto reply = gw_.admin("POST", "/v1/providers/relay/test", R"({"to": "ops@example.com"})");
    ASSERT_EQ(reply.status, 200) << reply.body;
    auto result = json::parse(reply.body);
    EXPECT_TRUE(result.at("ok").as_bool()) << reply.body;
    EXPECT_EQ(result.at("to").as_string(), "ops@example.com");
    std::string transcript;
    for (const auto& line : result.at("transcript").as_array()) {
        transcript += std::string(line.at("from").as_string()) + ": " +
                      std::string(line.at("text").as_string()) + "\n";
    }
    EXPECT_THAT(transcript, HasSubstr("S: 220"));
    EXPECT_THAT(transcript, HasSubstr("C: EHLO"));
    EXPECT_THAT(transcript, HasSubstr("C: MAIL FROM:<news@shop.example>"));
    EXPECT_THAT(transcript, HasSubstr("C: RCPT TO:<ops@example.com>"));
    ASSERT_TRUE(server_.wait_for_messages(1, patience));
    EXPECT_THAT(header_of(server_.messages()[0].data, "Subject"), HasSubstr("test message"));

    EXPECT_EQ(gw_.admin("POST", "/v1/providers/nope/test", R"({"to": "a@b.example"})").status, 404);
    EXPECT_EQ(gw_.admin("POST", "/v1/providers/relay/test", R"({"to": "not-an-address"})").status,
              400);
}

TEST_F(Sending, ATestEmailThatFailsNamesTheClassAndAHint)
{
    server_.inject(smtp_phase::mail,
                   {smtp_fault::action::reply, "501 5.1.7 Bad sender address syntax", -1});
    auto reply = gw_.admin("POST", "/v1/providers/relay/test", R"({"to": "ops@example.com"})");
    ASSERT_EQ(reply.status, 200) << reply.body;
    auto result = json::parse(reply.body);
    EXPECT_FALSE(result.at("ok").as_bool());
    EXPECT_EQ(result.at("phase").as_string(), "mail");
    EXPECT_EQ(result.at("error").at("class").as_string(), "SMTP invalid email ID");
    EXPECT_FALSE(result.at("error").at("hint").as_string().empty());
    EXPECT_THAT(std::string(result.at("reply").as_string()), HasSubstr("501 5.1.7"));
}

TEST_F(Sending, TheSendTestCommandPrintsTheConversationAndFailsWithTheServer)
{
    const auto config = (gw_.dir() / "mailgate.yaml").string();
    const auto out = (gw_.dir() / "send-test.out").string();
    const std::string command = std::string(MAILGATE_BINARY) + " send-test --config " + config +
                                " --provider relay --to ops@example.com > " + out + " 2>&1";
    EXPECT_EQ(std::system(command.c_str()), 0);
    std::ifstream in(out);
    std::string printed((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_THAT(printed, HasSubstr("C: RCPT TO:<ops@example.com>"));
    EXPECT_THAT(printed, HasSubstr("sent: 250"));

    server_.inject(smtp_phase::greeting, {smtp_fault::action::reply, "554 5.3.2 go away", -1});
    EXPECT_NE(std::system(command.c_str()), 0);
    std::ifstream again(out);
    printed.assign(std::istreambuf_iterator<char>(again), std::istreambuf_iterator<char>());
    EXPECT_THAT(printed, HasSubstr("FAILED at greeting"));
    EXPECT_THAT(printed, HasSubstr("hint: "));
}

// Each driver's decoration carries the token; the ESP's callback echoing it is attributed to
// the message and its campaign (issues: smtp, sendgrid, mandrill). The server wants AUTH, as
// the ESPs' relays do.
class DriverRoundTrip : public Sending {
protected:
    DriverRoundTrip()
        : Sending(provider_yaml("esp-smtp", "smtp", 0,
                                credentials + "    callback_token: cb-token-0123456789\n") +
                      provider_yaml("esp-sendgrid", "sendgrid", 0,
                                    credentials + "    allow_unsigned: true\n") +
                      provider_yaml("esp-mandrill", "mandrill", 0,
                                    credentials + "    allow_unsigned: true\n"),
                  server_options())
    {
    }

    static inline const std::string credentials = "    username: apikey\n"
                                                  "    password: SG.relay-secret\n";

    static mailgate::testing::smtp_server_options server_options()
    {
        mailgate::testing::smtp_server_options o;
        o.username = "apikey";
        o.password = "SG.relay-secret";
        return o;
    }

    /// Sends one message through `provider`; its id and the message as the server got it.
    std::pair<std::string, received_message> send_through(const std::string& provider,
                                                          const std::string& to)
    {
        const auto before = server_.messages().size();
        auto ids = send_to({to}, provider);
        EXPECT_EQ(ids.size(), 1u);
        wait_for_state(ids.at(0), "sent");
        EXPECT_TRUE(server_.wait_for_messages(before + 1, patience));
        EXPECT_EQ(server_.messages().back().auth_user, "apikey");
        return {ids.at(0), server_.messages().back()};
    }

    json::value events_of(const std::string& email)
    {
        return json::parse(gw_.admin("GET", "/v1/events?email=" + email).body).at("items");
    }

    void expect_attributed(const std::string& email, const std::string& id, const std::string& kind)
    {
        auto items = events_of(email);
        ASSERT_EQ(items.as_array().size(), 1u) << json::serialize(items);
        EXPECT_EQ(items.at(0).at("kind").as_string(), kind);
        EXPECT_EQ(items.at(0).at("message_id").as_string(), id);
        EXPECT_EQ(items.at(0).at("campaign_id").as_string(), "spring");
    }
};

// Mandrill puts the campaign in a header (X-MC-Tags): a line break there is the caller's
// mistake, refused as such, not a failure of the gateway's.
TEST_F(DriverRoundTrip, ALineBreakInACampaignIdIsABadRequest)
{
    for (const char* campaign : {"spring\\r\\nBcc: all@example.com", "a\\nb", "tab\\tbed"}) {
        auto reply = gw_.admin("POST", "/v1/messages",
                               std::string(R"({"provider": "esp-mandrill", "text": "t", )") +
                                   R"("to": "a@example.com", "campaign_id": ")" + campaign + "\"}");
        EXPECT_EQ(reply.status, 400) << campaign << ": " << reply.body;
        EXPECT_THAT(reply.body, HasSubstr("campaign_id: must not contain control characters"));
    }
    EXPECT_EQ(server_.connections_accepted(), 0u);
}

TEST_F(DriverRoundTrip, SmtpV2CallbackWithTheCapturedMetaIsAttributedAndSuppresses)
{
    auto [id, got] = send_through("esp-smtp", "v2@example.com");
    const auto meta = header_of(got.data, "X-Mailgate-Meta");
    ASSERT_FALSE(meta.empty());
    const auto body = json::serialize(json::object{
        {"version", "v2"},
        {"events", json::object{{"failed", json::array{json::object{{"type", "hard_bounce"},
                                                                    {"email", "v2@example.com"},
                                                                    {"meta", meta}}}}}}});
    auto reply = gw_.request("POST", "/v1/callbacks/esp-smtp?token=cb-token-0123456789", body,
                             {{"Content-Type", "application/json"}});
    ASSERT_EQ(reply.status, 200) << reply.body;
    expect_attributed("v2@example.com", id, "hard_bounce");
    EXPECT_EQ(gw_.admin("GET", "/v1/suppressions/v2@example.com").status, 200);

    // The message's view tells what became of it after the SMTP server took it.
    const auto view = message(id);
    EXPECT_EQ(view.at("state"), "sent") << "what the gateway did";
    EXPECT_EQ(view.at("outcome"), "bounced") << "what the ESP reported";
    ASSERT_EQ(view.at("events").as_array().size(), 1u) << view;
    EXPECT_EQ(view.at("events").at(0).at("kind"), "hard_bounce");
    auto [other, other_got] = send_through("esp-smtp", "v3@example.com");
    EXPECT_EQ(message(other).at("outcome"), nullptr) << "another message's events are not its";
    EXPECT_TRUE(message(other).at("events").as_array().empty());
}

// Streams end to end (docs/suppression.md): the stream rides in the token the ESP echoes, so an
// unsubscribe from a newsletter suppresses the newsletters only; the password reset still goes.
TEST_F(DriverRoundTrip, AnUnsubscribeFromMarketingStopsMarketingAndNotTransactionalMail)
{
    const auto before = server_.messages().size();
    auto sent = send(R"({"provider": "esp-smtp", "stream": "marketing", "subject": "News",
                         "text": "Our spring offers", "to": "reader@example.com"})");
    const std::string id(sent.at("messages").at(0).at("id").as_string());
    wait_for_state(id, "sent");
    ASSERT_TRUE(server_.wait_for_messages(before + 1, patience));
    const auto meta = header_of(server_.messages().back().data, "X-Mailgate-Meta");
    ASSERT_FALSE(meta.empty());

    const auto body = json::serialize(json::object{
        {"version", "v2"},
        {"events", json::object{{"failed", json::array{json::object{{"type", "unsubscribed"},
                                                                    {"email", "reader@example.com"},
                                                                    {"meta", meta}}}}}}});
    auto reply = gw_.request("POST", "/v1/callbacks/esp-smtp?token=cb-token-0123456789", body,
                             {{"Content-Type", "application/json"}});
    ASSERT_EQ(reply.status, 200) << reply.body;

    auto refused = send(R"({"provider": "esp-smtp", "stream": "marketing", "text": "More offers",
                            "to": "reader@example.com"})",
                        422);
    EXPECT_EQ(refused.at("refused").at(0).at("stream").as_string(), "marketing");
    EXPECT_EQ(refused.at("refused").at(0).at("reason").as_string(), "unsubscribed");
    // A message that names no stream goes in the default one, marketing: refused too.
    send(R"({"provider": "esp-smtp", "text": "More offers", "to": "reader@example.com"})", 422);

    auto reset = send(R"({"provider": "esp-smtp", "stream": "transactional",
                          "subject": "Reset your password", "text": "Your code: 1234",
                          "to": "reader@example.com"})");
    wait_for_state(std::string(reset.at("messages").at(0).at("id").as_string()), "sent");
    ASSERT_TRUE(server_.wait_for_messages(before + 2, patience));
    EXPECT_THAT(server_.messages().back().data, HasSubstr("Reset your password"));

    // The address's page says why, by which rule, in which stream.
    auto address = json::parse(gw_.admin("GET", "/v1/addresses/Reader@example.com").body);
    EXPECT_EQ(json::serialize(address.at("suppressed_in")), R"(["marketing"])");
    const auto& change = address.at("history").at(0);
    EXPECT_EQ(change.at("action").as_string(), "suppress");
    EXPECT_EQ(change.at("source").as_string(), "rule:unsubscribe");
    EXPECT_EQ(change.at("stream").as_string(), "marketing");
    EXPECT_EQ(address.at("events").as_array().size(), 1u);
}

TEST_F(DriverRoundTrip, AnUnknownStreamIsABadRequest)
{
    auto reply = gw_.admin("POST", "/v1/messages",
                           R"({"provider": "esp-smtp", "stream": "digest", "text": "t",
                               "to": "a@example.com"})");
    EXPECT_EQ(reply.status, 400) << reply.body;
    EXPECT_THAT(reply.body, HasSubstr("'digest' is not a configured stream"));
    EXPECT_EQ(server_.connections_accepted(), 0u);
}

TEST_F(DriverRoundTrip, SendgridXSmtpApiCarriesTheMetaAndTheWebhookIsAttributed)
{
    auto [id, got] = send_through("esp-sendgrid", "sg@example.com");
    auto smtpapi = json::parse(header_of(got.data, "X-SMTPAPI"));
    const std::string meta(smtpapi.at("unique_args").at("mailgate_meta").as_string());
    EXPECT_EQ(smtpapi.at("category").at(0).as_string(), "spring");
    const auto body = json::serialize(json::array{json::object{{"email", "sg@example.com"},
                                                               {"timestamp", 1700000000},
                                                               {"event", "delivered"},
                                                               {"sg_event_id", "sg-1"},
                                                               {"response", "250 OK"},
                                                               {"mailgate_meta", meta}}});
    auto reply = gw_.request("POST", "/v1/callbacks/esp-sendgrid", body,
                             {{"Content-Type", "application/json"}});
    ASSERT_EQ(reply.status, 200) << reply.body;
    expect_attributed("sg@example.com", id, "delivered");
}

TEST_F(DriverRoundTrip, MandrillMetadataCarriesTheMetaAndTheWebhookIsAttributed)
{
    auto [id, got] = send_through("esp-mandrill", "mc@example.com");
    auto metadata = json::parse(header_of(got.data, "X-MC-Metadata"));
    const std::string meta(metadata.at("mailgate_meta").as_string());
    EXPECT_EQ(header_of(got.data, "X-MC-Tags"), "spring");
    const auto events = json::serialize(json::array{
        json::object{{"event", "hard_bounce"},
                     {"_id", "mc-1"},
                     {"ts", 1700000000},
                     {"msg", json::object{{"email", "mc@example.com"},
                                          {"metadata", json::object{{"mailgate_meta", meta}}}}}}});
    std::string form = "mandrill_events=";
    for (unsigned char c : events) {
        static const char* hex = "0123456789ABCDEF";
        if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.') {
            form += static_cast<char>(c);
        } else {
            form += '%';
            form += hex[c >> 4];
            form += hex[c & 15];
        }
    }
    auto reply = gw_.request("POST", "/v1/callbacks/esp-mandrill", form,
                             {{"Content-Type", "application/x-www-form-urlencoded"}});
    ASSERT_EQ(reply.status, 200) << reply.body;
    expect_attributed("mc@example.com", id, "hard_bounce");
    EXPECT_EQ(gw_.admin("GET", "/v1/suppressions/mc@example.com").status, 200);
}

// RFC 8058 one-click: a provider with the system preference center links each message to the
// gateway's /u/{token}; following the link as a mailbox provider does suppresses the recipient.
// A custom center gets the attribution token and the address instead.
class UnsubscribeLinks : public Sending {
protected:
    UnsubscribeLinks()
        : Sending(provider_yaml("news", "smtp", 0, "    preference_center: system\n") +
                  provider_yaml("custom", "smtp", 0,
                                "    preference_center: https://prefs.shop.example/out\n"))
    {
    }

    received_message send_through(const std::string& provider, const std::string& to)
    {
        const auto before = server_.messages().size();
        auto ids = send_to({to}, provider);
        EXPECT_EQ(ids.size(), 1u);
        wait_for_state(ids.at(0), "sent");
        EXPECT_TRUE(server_.wait_for_messages(before + 1, patience));
        return server_.messages().back();
    }
};

TEST_F(UnsubscribeLinks, TheSystemLinkIsOneClickAndSuppresses)
{
    const auto got = send_through("news", "Lea@Example.com");
    EXPECT_EQ(header_of(got.data, "List-Unsubscribe-Post"), "List-Unsubscribe=One-Click");
    const std::string header = header_of(got.data, "List-Unsubscribe");
    const std::string prefix = "<https://gateway.test/u/"; // server.public_url + /u/{token}
    ASSERT_TRUE(header.starts_with(prefix) && header.ends_with(">")) << header;
    const std::string path = header.substr(prefix.size() - 3, header.size() - prefix.size() + 2);
    ASSERT_TRUE(path.starts_with("/u/u1")) << path;

    EXPECT_EQ(gw_.request("GET", path).status, 200);
    EXPECT_EQ(gw_.admin("GET", "/v1/suppressions/lea@example.com").status, 404)
        << "a GET changes nothing";
    auto reply = gw_.request("POST", path, "List-Unsubscribe=One-Click",
                             {{"Content-Type", "application/x-www-form-urlencoded"}});
    ASSERT_EQ(reply.status, 200) << reply.body;
    auto suppressed = gw_.admin("GET", "/v1/suppressions/lea@example.com");
    ASSERT_EQ(suppressed.status, 200);
    EXPECT_EQ(json::parse(suppressed.body).at("reason").as_string(), "unsubscribed");
    EXPECT_EQ(json::parse(suppressed.body).at("provider").as_string(), "news");
    auto events = json::parse(gw_.admin("GET", "/v1/events?email=lea@example.com").body);
    ASSERT_EQ(events.at("items").as_array().size(), 1u);
    EXPECT_EQ(events.at("items").at(0).at("campaign_id").as_string(), "spring");

    send(R"({"provider": "news", "text": "hi", "to": ["lea@example.com"]})", 422);
}

TEST_F(UnsubscribeLinks, ACustomCenterGetsTheTokenAndTheAddress)
{
    const auto got = send_through("custom", "max@example.com");
    EXPECT_EQ(header_of(got.data, "List-Unsubscribe-Post"), "List-Unsubscribe=One-Click");
    const std::string header = header_of(got.data, "List-Unsubscribe");
    EXPECT_THAT(header, HasSubstr("<https://prefs.shop.example/out?meta=m1"));
    EXPECT_THAT(header, HasSubstr("&email=max@example.com>"));
}

TEST_F(Sending, NoPreferenceCenterMeansNoUnsubscribeHeaders)
{
    send_to({"ann@example.com"});
    ASSERT_TRUE(server_.wait_for_messages(1, patience));
    EXPECT_EQ(header_of(server_.messages().at(0).data, "List-Unsubscribe"), "");
    EXPECT_EQ(header_of(server_.messages().at(0).data, "List-Unsubscribe-Post"), "");
}

} // namespace
} // namespace mailgate::test
