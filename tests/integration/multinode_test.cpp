// Two gateway processes on one PostgreSQL database, as behind a load balancer: callbacks posted
// to both at once, overlapping and retried, are stored once, counted once, and both nodes see
// the same suppression list; messages queued through both reach the SMTP server once each.
// Then the same with one node killed (-9) in the middle, holding leases on messages.

#include "gateway_process.hpp"
#include "tests/support/postgres_test_database.hpp"
#include "tests/support/smtp_test_server.hpp"
#include "v2_callbacks.hpp"

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <future>
#include <map>
#include <optional>
#include <set>
#include <thread>

namespace mailgate::test {
namespace {

namespace json = boost::json;
using mailgate::testing::smtp_fault;
using mailgate::testing::smtp_phase;
using mailgate::testing::smtp_test_server;

constexpr const char* url_variable = "MAILGATE_TEST_NODE_DATABASE_URL";
constexpr auto patience = std::chrono::seconds(30);

// Quick retries and timeouts, and a short lease, so a dead node's messages are taken over
// within the test.
std::string outbound_yaml(const std::string& node_id)
{
    return "outbound:\n  node_id: " + node_id +
           "\n  lease: 3s\n  retry_initial: 100ms\n  retry_max: 200ms\n"
           "  poll_interval: 50ms\n  connect_timeout: 2s\n  greeting_timeout: 2s\n"
           "  command_timeout: 2s\n  data_init_timeout: 2s\n  data_end_timeout: 2s\n";
}

// One callback event; its description is unique, so it names the event in what is stored.
struct event_spec {
    std::string type;
    std::string email;
    std::string description;
};

bool suppresses(const std::string& type)
{
    return type != "soft_bounce";
}

// Every kind of failure and addresses shared between events, so nodes race on suppressions.
std::vector<event_spec> events_of_phase(int phase, int count)
{
    static const std::array<std::string, 4> types{"hard_bounce", "soft_bounce", "spam",
                                                  "unsubscribed"};
    std::vector<event_spec> out;
    for (int i = 0; i < count; ++i) {
        const auto& type = types[i % types.size()];
        const std::string email = suppresses(type) ? "u" + std::to_string(i % 40) + "@example.com"
                                                   : "soft" + std::to_string(i) + "@example.com";
        out.push_back(
            {type, email, "phase " + std::to_string(phase) + " event " + std::to_string(i)});
    }
    return out;
}

// Windows of 25 events, 15 apart: each event is in one or two batches.
std::vector<std::string> batches_of(const std::vector<event_spec>& events)
{
    std::vector<std::string> out;
    for (std::size_t start = 0; start < events.size(); start += 15) {
        std::vector<std::string> items;
        for (std::size_t i = start; i < std::min(start + 25, events.size()); ++i) {
            const auto& e = events[i];
            items.push_back(
                v2_item(e.type, e.email, v2_token("m-" + e.description, e.email), e.description));
        }
        out.push_back(v2_body(items));
    }
    return out;
}

class MultiNode : public ::testing::Test {
protected:
    void SetUp() override
    {
        if (!postgres_test_url()) {
            GTEST_SKIP() << "MAILGATE_TEST_POSTGRES_URL is not set (scripts/test.sh sets it)";
        }
        schema_.emplace();
        setenv(url_variable, schema_->url().c_str(), 1);
        a_.emplace(options("node-a"));
        b_.emplace(options("node-b"));
    }

    gateway_options options(const std::string& node_id) const
    {
        gateway_options o;
        o.storage_yaml = std::string("storage:\n  backend: postgres\n  url: env:") + url_variable +
                         "\n  pool_size: 2\n";
        o.extra_sections_yaml = v2_attribution_yaml + outbound_yaml(node_id);
        o.extra_providers_yaml = v2_provider_yaml +
                                 "  - nickname: relay\n    driver: smtp\n    host: 127.0.0.1\n"
                                 "    port: " +
                                 std::to_string(smtp_.port()) +
                                 "\n    scheme: smtp\n    from_address: news@shop.example\n";
        return o;
    }

    /// Queues `count` messages through each node in turn, five recipients a request; the
    /// recipients.
    std::vector<std::string> queue_messages(const std::string& prefix, int count)
    {
        std::vector<std::string> recipients;
        for (int request = 0; request * 5 < count; ++request) {
            json::array to;
            for (int i = request * 5; i < std::min(count, request * 5 + 5); ++i) {
                recipients.push_back(prefix + std::to_string(i) + "@example.net");
                to.emplace_back(recipients.back());
            }
            auto& node = request % 2 == 0 ? *a_ : *b_;
            auto reply = node.admin("POST", "/v1/messages",
                                    json::serialize(json::object{{"provider", "relay"},
                                                                 {"to", to},
                                                                 {"campaign_id", "outbound"},
                                                                 {"text", "hello"}}));
            EXPECT_EQ(reply.status, 202) << reply.body;
        }
        return recipients;
    }

    /// Waits until every one of `recipients` was delivered; then each must be so once.
    void expect_each_delivered_once(const std::vector<std::string>& recipients)
    {
        ASSERT_TRUE(smtp_.wait_for_messages(recipients.size(), patience))
            << smtp_.messages().size() << " of " << recipients.size() << " delivered";
        std::map<std::string, int> deliveries;
        for (const auto& m : smtp_.messages()) {
            for (const auto& r : m.recipients) {
                ++deliveries[r];
            }
        }
        std::map<std::string, int> once;
        for (const auto& r : recipients) {
            once[r] = 1;
        }
        EXPECT_EQ(deliveries, once);
        EXPECT_TRUE(wait_until([&] {
            return sql("SELECT count(*) FROM outbound_messages "
                       "WHERE state <> 'sent'") == "0";
        })) << "every outcome is recorded after its 250";
    }

    std::string sql(const std::string& statement) const
    {
        return run_sql(schema_->url(), statement);
    }

    /// Polls `done` (state in another process) until it holds; false after `patience`.
    template <class Condition>
    static bool wait_until(Condition done)
    {
        const auto deadline = std::chrono::steady_clock::now() + patience;
        while (!done()) {
            if (std::chrono::steady_clock::now() > deadline) {
                return false;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return true;
    }

    /// Posts until a node acknowledges, as an ESP retries: 200 from `first`, else from the
    /// other node (the load balancer's next choice). False when neither answers.
    bool deliver(gateway_process& first, gateway_process& second, const std::string& body)
    {
        for (int attempt = 0; attempt < 50; ++attempt) {
            gateway_process& node = attempt % 2 == 0 ? first : second;
            failovers_ += attempt > 0 ? 1 : 0;
            try {
                if (node.request("POST", v2_callback_url, body).status == 200) {
                    return true;
                }
            } catch (const std::exception&) {
                // refused or cut off: that node is down
            }
        }
        return false;
    }

    /// Every stored event's description, with how often it is stored, read through `node`.
    std::map<std::string, int> stored(gateway_process& node)
    {
        std::map<std::string, int> out;
        std::string after;
        for (;;) {
            auto page = json::parse(node.admin("GET", "/v1/events?provider=esp&limit=1000" +
                                                          (after.empty() ? "" : "&after=" + after))
                                        .body);
            for (const auto& item : page.at("items").as_array()) {
                ++out[std::string(item.at("description").as_string())];
            }
            if (page.at("next").is_null()) {
                return out;
            }
            after = std::string(page.at("next").as_string());
        }
    }

    std::vector<std::string> suppressed(gateway_process& node)
    {
        std::vector<std::string> out;
        std::string after;
        for (;;) {
            auto page = json::parse(node.admin("GET", "/v1/suppressions?limit=1000" +
                                                          (after.empty() ? "" : "&after=" + after))
                                        .body);
            for (const auto& item : page.at("items").as_array()) {
                out.emplace_back(item.at("email").as_string());
            }
            if (page.at("next").is_null()) {
                return out;
            }
            after = std::string(page.at("next").as_string());
        }
    }

    /// Everything both nodes must agree on after `events` were all delivered.
    void expect_consistent(const std::vector<event_spec>& events)
    {
        std::map<std::string, int> expected_stored;
        std::map<std::string, int64_t> by_kind;
        std::map<std::string, int64_t> by_system_event;
        std::set<std::string> expected_suppressed;
        for (const auto& e : events) {
            expected_stored[e.description] = 1;
            ++by_kind[e.type];
            if (e.type == "hard_bounce" || e.type == "soft_bounce") {
                ++by_system_event["Notification Failed"];
            }
            if (suppresses(e.type)) {
                ++by_system_event["Channel Unsubscribed"];
                expected_suppressed.insert(e.email);
            }
        }
        EXPECT_EQ(stored(*a_), expected_stored) << "every event stored exactly once";
        for (auto* node : {&*a_, &*b_}) {
            auto report = json::parse(node->admin("GET", "/v1/reports/campaigns/spring").body);
            std::map<std::string, int64_t> kinds;
            for (const auto& [kind, count] : report.at("events").as_object()) {
                kinds[std::string(kind)] = count.as_int64();
            }
            std::map<std::string, int64_t> system;
            for (const auto& [name, count] : report.at("system_events").as_object()) {
                system[std::string(name)] = count.as_int64();
            }
            EXPECT_EQ(kinds, by_kind);
            EXPECT_EQ(system, by_system_event);
        }
        const auto from_a = suppressed(*a_);
        EXPECT_EQ(std::set<std::string>(from_a.begin(), from_a.end()), expected_suppressed);
        EXPECT_EQ(suppressed(*b_), from_a) << "both nodes read one suppression list";
    }

    std::atomic<int> failovers_{0}; ///< tries after a node failed to acknowledge

    // Declared first: the nodes stop before their schema is dropped and their SMTP server.
    smtp_test_server smtp_;
    std::optional<scratch_schema> schema_;
    std::optional<gateway_process> a_;
    std::optional<gateway_process> b_;
};

TEST_F(MultiNode, CallbacksAndMessagesThroughBothNodesCountAndSendOnce)
{
    const auto events = events_of_phase(1, 600);
    const auto batches = batches_of(events);
    auto recipients = std::async(std::launch::async, [&] { return queue_messages("r", 100); });
    std::atomic<std::size_t> next{0};
    std::atomic<int> unacknowledged{0};
    std::vector<std::thread> clients;
    for (int c = 0; c < 4; ++c) {
        clients.emplace_back([&] {
            for (auto i = next++; i < batches.size(); i = next++) {
                // The same batch to both nodes at once, as an ESP whose first try timed out.
                auto to_b =
                    std::async(std::launch::async, [&] { return deliver(*b_, *a_, batches[i]); });
                unacknowledged += deliver(*a_, *b_, batches[i]) ? 0 : 1;
                unacknowledged += to_b.get() ? 0 : 1;
                if (i % 3 == 0) {
                    unacknowledged += deliver(*b_, *a_, batches[i]) ? 0 : 1; // a late retry
                }
            }
        });
    }
    for (auto& c : clients) {
        c.join();
    }

    ASSERT_EQ(unacknowledged.load(), 0);
    EXPECT_EQ(failovers_.load(), 0) << "both nodes acknowledged everything themselves";
    expect_consistent(events);
    expect_each_delivered_once(recipients.get());
}

// Every MAIL stalls while the node dies, so no message is between the server's 250 and its
// commit (the one window where at-least-once sends twice): what the dead node had leased must
// then reach the server once, sent by the other node when the lease runs out.
TEST_F(MultiNode, ANodeKilledMidRunLosesNothingAndCountsOrSendsNothingTwice)
{
    smtp_.inject(smtp_phase::mail, {smtp_fault::action::stall, "", -1});
    const auto recipients = queue_messages("k", 60);
    ASSERT_TRUE(wait_until([&] {
        return sql("SELECT count(*) FROM outbound_messages "
                   "WHERE state = 'sending' AND lease_owner = 'node-b'") != "0";
    })) << "node-b is sending when it dies";

    const auto events = events_of_phase(2, 900);
    const auto batches = batches_of(events);
    std::atomic<std::size_t> next{0};
    std::atomic<std::size_t> answered{0};
    std::atomic<int> unacknowledged{0};
    std::promise<void> a_third_done;
    std::vector<std::thread> clients;
    for (int c = 0; c < 4; ++c) {
        clients.emplace_back([&, c] {
            for (auto i = next++; i < batches.size(); i = next++) {
                // Round robin over both nodes; the balancer tries the other when one fails.
                const bool b_first = (i + c) % 2 == 0;
                const bool ok =
                    b_first ? deliver(*b_, *a_, batches[i]) : deliver(*a_, *b_, batches[i]);
                unacknowledged += ok ? 0 : 1;
                if (++answered == batches.size() / 3) {
                    a_third_done.set_value();
                }
            }
        });
    }
    a_third_done.get_future().wait();
    EXPECT_EQ(b_->stop(SIGKILL), 128 + SIGKILL);
    smtp_.clear_faults();
    for (auto& c : clients) {
        c.join();
    }

    ASSERT_EQ(unacknowledged.load(), 0);
    EXPECT_GT(failovers_.load(), 0) << "requests reached the killed node and went elsewhere";
    expect_each_delivered_once(recipients);
    b_->start(); // on the same database, so both can be read again
    expect_consistent(events);
}

} // namespace
} // namespace mailgate::test
