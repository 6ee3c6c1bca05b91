// A counter family finds the same series the registry renders, one per set of label values.

#include "core/metrics/registry.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>
#include <vector>

namespace mailgate::core::metrics {
namespace {

TEST(CounterFamily, CountsIntoTheRegistrysSeries)
{
    registry metrics;
    const counter_family requests(metrics, "mailgate_http_requests_total", "HTTP requests",
                                  {"route", "status"});

    requests.with({"/healthz", "200"}).add();
    requests.with({"/healthz", "200"}).add(2);
    requests.with({"/metrics", "401"}).add();

    EXPECT_EQ(metrics
                  .get_counter("mailgate_http_requests_total", "HTTP requests",
                               {{"route", "/healthz"}, {"status", "200"}})
                  .value(),
              3u);
    const auto text = metrics.render();
    EXPECT_NE(text.find("mailgate_http_requests_total{route=\"/healthz\",status=\"200\"} 3"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("mailgate_http_requests_total{route=\"/metrics\",status=\"401\"} 1"),
              std::string::npos)
        << text;
}

// The key joins the values: ("a", "bc") and ("ab", "c") must stay two series.
TEST(CounterFamily, KeepsValuesThatJoinAlikeApart)
{
    registry metrics;
    const counter_family family(metrics, "pairs_total", "pairs", {"x", "y"});

    family.with({"a", "bc"}).add();
    family.with({"ab", "c"}).add(5);

    EXPECT_EQ(family.with({"a", "bc"}).value(), 1u);
    EXPECT_EQ(family.with({"ab", "c"}).value(), 5u);
}

TEST(CounterFamily, RefusesTheWrongNumberOfValues)
{
    registry metrics;
    const counter_family family(metrics, "pairs_total", "pairs", {"x", "y"});

    EXPECT_THROW(family.with({"only one"}), std::logic_error);
}

TEST(CounterFamily, CountsEveryAddFromManyThreads)
{
    registry metrics;
    const counter_family family(metrics, "events_total", "events", {"provider", "kind"});
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&family, t] {
            for (int i = 0; i < 10000; ++i) {
                family.with({"legacy", t % 2 == 0 ? "Hard Bounce" : "Soft Bounce"}).add();
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }

    EXPECT_EQ(family.with({"legacy", "Hard Bounce"}).value(), 20000u);
    EXPECT_EQ(family.with({"legacy", "Soft Bounce"}).value(), 20000u);
}

// A gauge series is set, not added to, and renders with its labels beside the read gauges.
TEST(Gauge, RendersEachSeriesWithItsLabelsAndLastValue)
{
    registry metrics;
    auto& a = metrics.get_gauge("mailgate_last", "last", {{"provider", "a"}});
    metrics.get_gauge("mailgate_last", "last", {{"provider", "b"}});
    a.set(12.5);
    a.set(1700000000.25);
    EXPECT_EQ(&metrics.get_gauge("mailgate_last", "last", {{"provider", "a"}}), &a);

    const auto text = metrics.render();
    EXPECT_NE(text.find("# TYPE mailgate_last gauge\n"), std::string::npos) << text;
    EXPECT_NE(text.find("mailgate_last{provider=\"a\"} 1700000000.25\n"), std::string::npos)
        << text;
    EXPECT_NE(text.find("mailgate_last{provider=\"b\"} 0\n"), std::string::npos) << text;
}

} // namespace
} // namespace mailgate::core::metrics
