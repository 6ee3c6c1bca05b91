// Re-judging the past on real stores (both backends): events stored under one policy, the list
// rebuilt under another: what the new rules add, lift and let lapse, manual entries untouched,
// and a dry run that changes nothing.

#include "core/events/router.hpp"
#include "core/suppression_list/list_rebuild.hpp"

#include "tests/unit/core/storage/backends.hpp"
#include "tests/unit/core/storage/test_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace mailgate::core::suppression_list {
namespace {

using storage::test::backend;
using storage::test::base_time;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr int64_t day_ms = 86'400'000;

events::gateway_event event(const std::string& key, events::event_kind kind,
                            const std::string& email, int64_t day,
                            std::optional<reasons::reason> why = std::nullopt,
                            std::string stream = "")
{
    events::gateway_event ev;
    ev.provider = "esp";
    ev.driver = "esp@1.0.0";
    ev.kind = kind;
    ev.reason = why;
    ev.permanent = kind == events::event_kind::hard_bounce;
    ev.email = email;
    ev.occurred_at_ms = base_time + day * day_ms;
    ev.received_at_ms = ev.occurred_at_ms;
    ev.event_key = key;
    ev.attributed.stream = std::move(stream);
    return ev;
}

std::vector<std::string> entries_of(const std::vector<storage::suppression>& list)
{
    std::vector<std::string> out;
    for (const auto& s : list) {
        out.push_back(s.email + " " + s.stream + " " + s.source);
    }
    return out;
}

class list_rebuild : public ::testing::TestWithParam<backend> {
protected:
    void SetUp() override
    {
        if (!GetParam().unavailable.empty()) {
            GTEST_SKIP() << GetParam().unavailable;
        }
        store_ = GetParam().open(folder_.path(), nullptr);
        // Stored as the gateway stores them, under the default rules.
        const events::suppression_policy defaults;
        std::vector<events::routed_event> batch;
        using k = events::event_kind;
        using r = reasons::reason;
        for (const auto& ev :
             {event("hb", k::hard_bounce, "gone@x.org", 0, r::userunknown),
              event("un", k::unsubscribed, "reader@x.org", 0, std::nullopt, "transactional"),
              event("f1", k::soft_bounce, "full@x.org", 0, r::mailboxfull),
              event("f2", k::soft_bounce, "full@x.org", 1, r::mailboxfull),
              event("f3", k::soft_bounce, "full@x.org", 2, r::mailboxfull),
              event("t1", k::soft_bounce, "twice@x.org", 0, r::mailboxfull),
              event("t2", k::soft_bounce, "twice@x.org", 1, r::mailboxfull)}) {
            batch.push_back(events::route(ev, defaults));
        }
        storage::test::apply_and_wait(*store_, std::move(batch));
        auto manual = storage::test::entry("hand@x.org", "manual", "", base_time);
        manual.source = "admin";
        store_->put_suppression(manual);
    }

    std::vector<std::string> list()
    {
        storage::suppression_filter filter;
        filter.limit = storage::max_page_size;
        return entries_of(store_->list_suppressions(filter));
    }

    rebuild_plan plan(const config::suppression_config& c, int64_t now = base_time + 3 * day_ms)
    {
        rebuild_options o;
        o.now = now;
        return plan_rebuild(*store_, events::suppression_policy(c), o);
    }

    storage::test::temp_folder folder_;
    std::unique_ptr<storage::store> store_;
};

TEST_P(list_rebuild, UnderTheSameRulesNothingChanges)
{
    const auto p = plan({});
    EXPECT_EQ(p.events, 7u);
    EXPECT_THAT(p.add, IsEmpty());
    EXPECT_THAT(p.change, IsEmpty());
    EXPECT_THAT(p.lift, IsEmpty());
    EXPECT_THAT(p.expire, IsEmpty());
}

// The operator makes full mailboxes suppress after two, for good, and drops the unsubscribe
// rule: the rebuild adds twice@, makes full@'s entry permanent, lifts reader@'s; the hard bounce
// and the manual entry stay.
TEST_P(list_rebuild, ANewRuleSetIsAppliedToThePast)
{
    config::suppression_config c;
    c.rules = events::default_rules();
    std::erase_if(*c.rules, [](const auto& r) { return r.name == "unsubscribe"; });
    for (auto& r : *c.rules) {
        if (r.name == "mailbox-full") {
            r.threshold = 2;
            r.duration = std::chrono::milliseconds(0);
        }
    }
    const auto before = list();
    const auto p = plan(c);
    EXPECT_THAT(entries_of(p.add), ElementsAre("twice@x.org * rule:mailbox-full"));
    EXPECT_THAT(entries_of(p.change), ElementsAre("full@x.org * rule:mailbox-full"));
    EXPECT_EQ(p.change.at(0).expires_at, 0);
    EXPECT_THAT(entries_of(p.lift), ElementsAre("reader@x.org transactional rule:unsubscribe"));
    EXPECT_EQ(list(), before) << "planning changes nothing";

    apply_rebuild(*store_, p, "ops");
    EXPECT_THAT(list(),
                ElementsAre("full@x.org * rule:mailbox-full", "gone@x.org * rule:hard-bounce",
                            "hand@x.org * admin", "twice@x.org * rule:mailbox-full"));
    const auto history = store_->suppression_history("reader@x.org", 10);
    ASSERT_EQ(history.size(), 2u);
    EXPECT_EQ(history.back().action, "lift");
    EXPECT_EQ(history.back().source, "rebuild:ops");
    EXPECT_TRUE(plan(c).add.empty()) << "a second rebuild finds nothing to do";
}

// Under rules whose suppressions are shorter, an entry that would have lapsed by now is
// expired, not kept.
TEST_P(list_rebuild, AnEntryThatWouldHaveLapsedIsExpired)
{
    config::suppression_config c;
    c.rules = events::default_rules();
    for (auto& r : *c.rules) {
        if (r.name == "mailbox-full") {
            r.duration = std::chrono::days(1);
        }
    }
    const auto p = plan(c, base_time + 5 * day_ms);
    EXPECT_THAT(entries_of(p.expire), ElementsAre("full@x.org * rule:mailbox-full"));
    apply_rebuild(*store_, p, "ops");
    EXPECT_FALSE(store_->find_suppression("full@x.org", "marketing", base_time + 5 * day_ms));
}

INSTANTIATE_TEST_SUITE_P(backends, list_rebuild, storage::test::all_backends(),
                         storage::test::name_of);

} // namespace
} // namespace mailgate::core::suppression_list
