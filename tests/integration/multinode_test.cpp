// Two gateway processes on one PostgreSQL database, as behind a load balancer: callbacks posted
// to both at once, overlapping and retried, are stored once, counted once, and both nodes see
// the same suppression list; then the same with one node killed (-9) in the middle.

#include "gateway_process.hpp"
#include "tests/support/postgres_test_database.hpp"
#include "v2_callbacks.hpp"

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <atomic>
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

constexpr const char* url_variable = "MAILGATE_TEST_NODE_DATABASE_URL";

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
        gateway_options options;
        options.storage_yaml = std::string("storage:\n  backend: postgres\n  url: env:") +
                               url_variable + "\n  pool_size: 2\n";
        options.extra_sections_yaml = v2_attribution_yaml;
        options.extra_providers_yaml = v2_provider_yaml;
        a_.emplace(options);
        b_.emplace(options);
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

    // Declared first: the nodes stop before their schema is dropped.
    std::optional<scratch_schema> schema_;
    std::optional<gateway_process> a_;
    std::optional<gateway_process> b_;
};

TEST_F(MultiNode, OverlappingAndRetriedCallbacksToBothNodesCountOnce)
{
    const auto events = events_of_phase(1, 600);
    const auto batches = batches_of(events);
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
}

TEST_F(MultiNode, ANodeKilledMidRunLosesNothingAndCountsNothingTwice)
{
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
    for (auto& c : clients) {
        c.join();
    }

    ASSERT_EQ(unacknowledged.load(), 0);
    EXPECT_GT(failovers_.load(), 0) << "requests reached the killed node and went elsewhere";
    b_->start(); // on the same database, so both can be read again
    expect_consistent(events);
}

} // namespace
} // namespace mailgate::test
