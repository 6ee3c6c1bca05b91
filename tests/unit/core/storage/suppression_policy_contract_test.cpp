// The suppression policy as every backend stores it (docs/suppression.md): streams, expiry,
// domain entries, count rules, lifts, the history, bulk puts and paging by (email, stream).

#include "backends.hpp"
#include "core/storage/store.hpp"
#include "test_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

namespace mailgate::core::storage {
namespace {

using events::event_kind;
using test::apply_and_wait;
using test::at_time;
using test::base_time;
using test::by_rule;
using test::counting;
using test::found;
using test::in_stream;
using test::lasting;
using test::lifting;
using test::routed;
using test::suppressing;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

using test::backend;

class SuppressionPolicyContract : public ::testing::TestWithParam<backend> {
protected:
    void SetUp() override
    {
        if (!GetParam().unavailable.empty()) {
            GTEST_SKIP() << GetParam().unavailable;
        }
        store_ = GetParam().open(folder_.path(), nullptr);
    }

    void apply(std::vector<events::routed_event> batch)
    {
        auto applied = apply_and_wait(*store_, std::move(batch));
        ASSERT_FALSE(applied.error) << applied.error.message();
    }

    /// "email stream reason expires_at" for each of the address's entries.
    std::vector<std::string> entries_of(const std::string& email)
    {
        std::vector<std::string> out;
        for (const auto& s : store_->address_suppressions(email)) {
            out.push_back(s.email + " " + s.stream + " " + s.reason + " " +
                          std::to_string(s.expires_at));
        }
        return out;
    }

    /// "action stream reason source note" for each change of the address, oldest first.
    std::vector<std::string> history_of(const std::string& email, std::size_t limit = 100)
    {
        std::vector<std::string> out;
        for (const auto& r : store_->suppression_history(email, limit)) {
            out.push_back(r.action + " " + r.stream + " " + r.reason + " " + r.source + " " +
                          r.note);
        }
        return out;
    }

    std::vector<int64_t> hits_of(const std::string& email, const std::string& rule)
    {
        for (const auto& c : store_->rule_counters(email)) {
            if (c.rule == rule) {
                return c.hits;
            }
        }
        return {};
    }

    test::temp_folder folder_;
    std::unique_ptr<store> store_;
};

events::routed_event unsubscribe(std::string key, std::string email, std::string stream)
{
    return in_stream(suppressing(routed(std::move(key), event_kind::unsubscribed, std::move(email)),
                                 "unsubscribed"),
                     std::move(stream));
}

events::routed_event soft_bounce(std::string key, int64_t offset)
{
    return at_time(counting(routed(std::move(key), event_kind::soft_bounce, "a@example.com"),
                            "soft_bounces", "soft_bounce", 3, 10'000),
                   offset);
}

suppression manual(std::string email, std::string stream = "*")
{
    suppression s;
    s.email = std::move(email);
    s.stream = std::move(stream);
    s.reason = "manual";
    s.created_at = base_time;
    s.source = "admin:ops";
    return s;
}

TEST_P(SuppressionPolicyContract, AnUnsubscribeInAStreamBlocksOnlyThatStream)
{
    apply({unsubscribe("k1", "a@example.com", "marketing"),
           suppressing(routed("k2", event_kind::hard_bounce, "b@example.com"), "hard_bounce")});

    EXPECT_TRUE(found(*store_, "a@example.com", "marketing"));
    EXPECT_FALSE(found(*store_, "a@example.com", "transactional"));
    EXPECT_TRUE(found(*store_, "b@example.com", "marketing")) << "'*' blocks every stream";
    EXPECT_TRUE(found(*store_, "b@example.com", "transactional"));
}

TEST_P(SuppressionPolicyContract, PrefersTheEntryForEveryStream)
{
    apply({unsubscribe("k1", "a@example.com", "marketing"),
           suppressing(routed("k2", event_kind::hard_bounce, "a@example.com"), "hard_bounce")});

    EXPECT_EQ(found(*store_, "a@example.com", "marketing").value().reason, "hard_bounce");
    EXPECT_THAT(entries_of("a@example.com"), ElementsAre("a@example.com * hard_bounce 0",
                                                         "a@example.com marketing unsubscribed 0"));
}

TEST_P(SuppressionPolicyContract, ASuppressionLapsesAtItsExpiry)
{
    apply({lasting(at_time(suppressing(routed("k1", event_kind::spam, "a@example.com"), "spam"), 0),
                   1000)});

    EXPECT_TRUE(found(*store_, "a@example.com", "marketing", base_time + 999));
    EXPECT_FALSE(found(*store_, "a@example.com", "marketing", base_time + 1000));
    EXPECT_THAT(entries_of("a@example.com"),
                ElementsAre("a@example.com * spam " + std::to_string(base_time + 1000)))
        << "a lapsed entry is still listed";
}

TEST_P(SuppressionPolicyContract, ASuppressAfterTheExpiryReplacesTheLapsedEntry)
{
    apply({lasting(at_time(suppressing(routed("k1", event_kind::spam, "a@example.com"), "spam"), 0),
                   1000)});
    apply({at_time(
        suppressing(routed("k2", event_kind::hard_bounce, "a@example.com"), "hard_bounce"), 5000)});

    auto entry = found(*store_, "a@example.com", "marketing", base_time + 100'000);
    ASSERT_TRUE(entry);
    EXPECT_EQ(entry->reason, "hard_bounce");
    EXPECT_EQ(entry->created_at, base_time + 5000);
    EXPECT_EQ(entry->expires_at, 0);
}

TEST_P(SuppressionPolicyContract, APermanentSuppressExtendsATemporaryOne)
{
    apply({lasting(at_time(suppressing(routed("k1", event_kind::spam, "a@example.com"), "spam"), 0),
                   1000)});
    apply({at_time(
        suppressing(routed("k2", event_kind::hard_bounce, "a@example.com"), "hard_bounce"), 100)});

    EXPECT_THAT(entries_of("a@example.com"), ElementsAre("a@example.com * spam 0"))
        << "the first reason stays; it lasts as long as the new one";
}

TEST_P(SuppressionPolicyContract, ALaterExpiryExtendsAnEarlierOne)
{
    apply({lasting(at_time(suppressing(routed("k1", event_kind::spam, "a@example.com"), "spam"), 0),
                   1000)});
    apply({lasting(
        at_time(suppressing(routed("k2", event_kind::spam, "a@example.com"), "spam"), 100), 5000)});
    apply({lasting(
        at_time(suppressing(routed("k3", event_kind::spam, "a@example.com"), "spam"), 200), 10)});

    EXPECT_THAT(entries_of("a@example.com"),
                ElementsAre("a@example.com * spam " + std::to_string(base_time + 5100)));
}

TEST_P(SuppressionPolicyContract, ATemporarySuppressKeepsAPermanentOne)
{
    apply({suppressing(routed("k1", event_kind::hard_bounce, "a@example.com"), "hard_bounce")});
    apply({lasting(
        at_time(suppressing(routed("k2", event_kind::spam, "a@example.com"), "spam"), 100'000),
        1000)});

    EXPECT_THAT(entries_of("a@example.com"), ElementsAre("a@example.com * hard_bounce 0"));
    EXPECT_EQ(store_->suppression_history("a@example.com", 10).size(), 1u)
        << "a suppress that changes nothing is not recorded";
}

TEST_P(SuppressionPolicyContract, ADomainEntryBlocksEveryAddressOfTheDomainOnly)
{
    store_->put_suppression(manual("*@example.com"));

    EXPECT_TRUE(found(*store_, "a@example.com"));
    EXPECT_TRUE(found(*store_, "b@example.com", "transactional"));
    EXPECT_FALSE(found(*store_, "a@sub.example.com"));
    EXPECT_FALSE(found(*store_, "a@example.org"));
    EXPECT_FALSE(found(*store_, "a@notexample.com"));
}

TEST_P(SuppressionPolicyContract, PrefersTheAddresssOwnEntryToItsDomains)
{
    store_->put_suppression(manual("*@example.com"));
    apply({unsubscribe("k1", "a@example.com", "marketing")});

    EXPECT_EQ(found(*store_, "a@example.com").value().email, "a@example.com");
    EXPECT_EQ(found(*store_, "a@example.com", "transactional").value().email, "*@example.com");
    EXPECT_THAT(entries_of("a@example.com"),
                ElementsAre("*@example.com * manual 0", "a@example.com marketing unsubscribed 0"));
}

TEST_P(SuppressionPolicyContract, ACountRuleSuppressesAtItsThreshold)
{
    apply({soft_bounce("k1", 0), soft_bounce("k2", 1000)});
    EXPECT_FALSE(found(*store_, "a@example.com")) << "two of three";

    apply({lasting(soft_bounce("k3", 2000), 60'000)});

    auto entry = found(*store_, "a@example.com", "marketing", base_time + 2000);
    ASSERT_TRUE(entry);
    EXPECT_EQ(entry->reason, "soft_bounce");
    EXPECT_EQ(entry->source, "rule:soft_bounces");
    EXPECT_EQ(entry->expires_at, base_time + 62'000);
    EXPECT_FALSE(found(*store_, "a@example.com", "marketing", base_time + 62'000))
        << "it lasts suppress_for_ms";
    EXPECT_THAT(hits_of("a@example.com", "soft_bounces"),
                ElementsAre(base_time, base_time + 1000, base_time + 2000))
        << "the hits are kept";
}

TEST_P(SuppressionPolicyContract, ACountRuleIgnoresEventsFurtherApartThanItsWindow)
{
    apply({soft_bounce("k1", 0)});
    apply({soft_bounce("k2", 20'000)});
    apply({soft_bounce("k3", 40'000)});

    EXPECT_FALSE(found(*store_, "a@example.com"));
    EXPECT_THAT(hits_of("a@example.com", "soft_bounces"), ElementsAre(base_time + 40'000))
        << "older hits are dropped";
}

TEST_P(SuppressionPolicyContract, ACountRuleCountsADuplicateOnce)
{
    apply({soft_bounce("k1", 0), soft_bounce("k2", 1000)});
    auto again = apply_and_wait(*store_, {soft_bounce("k2", 1000)});

    EXPECT_EQ(again.result.duplicates, 1u);
    EXPECT_FALSE(found(*store_, "a@example.com"));
    EXPECT_EQ(hits_of("a@example.com", "soft_bounces").size(), 2u);
}

TEST_P(SuppressionPolicyContract, ALiftRemovesOnlyItsReasonInItsStreamOrEvery)
{
    apply({unsubscribe("k1", "a@example.com", "marketing"),
           unsubscribe("k2", "a@example.com", "news"),
           suppressing(routed("k3", event_kind::hard_bounce, "b@example.com"), "hard_bounce"),
           unsubscribe("k4", "c@example.com", "*")});

    apply(
        {in_stream(lifting(routed("k5", event_kind::resubscribed, "a@example.com"), "unsubscribed"),
                   "marketing"),
         in_stream(lifting(routed("k6", event_kind::resubscribed, "b@example.com"), "unsubscribed"),
                   "marketing"),
         in_stream(lifting(routed("k7", event_kind::resubscribed, "c@example.com"), "unsubscribed"),
                   "marketing")});

    EXPECT_THAT(entries_of("a@example.com"), ElementsAre("a@example.com news unsubscribed 0"));
    EXPECT_THAT(entries_of("b@example.com"), ElementsAre("b@example.com * hard_bounce 0"));
    EXPECT_THAT(entries_of("c@example.com"), IsEmpty()) << "an every-stream unsubscribe goes";
}

TEST_P(SuppressionPolicyContract, AnOptOutAfterALiftIsStoredAgain)
{
    const auto opt_out = unsubscribe("k1", "a@example.com", "marketing");
    apply({opt_out});
    apply(
        {in_stream(lifting(routed("k2", event_kind::resubscribed, "a@example.com"), "unsubscribed"),
                   "marketing")});
    ASSERT_FALSE(found(*store_, "a@example.com"));

    EXPECT_EQ(apply_and_wait(*store_, {opt_out}).result.stored, 1u);
    EXPECT_TRUE(found(*store_, "a@example.com"));
}

TEST_P(SuppressionPolicyContract, ACountAfterALiftIsCountedAgain)
{
    apply({soft_bounce("k1", 0), soft_bounce("k2", 1000), soft_bounce("k3", 2000)});
    ASSERT_TRUE(test::lift_all(*store_, "a@example.com"));

    auto again = apply_and_wait(*store_, {soft_bounce("k3", 2000)});

    EXPECT_EQ(again.result.stored, 1u) << "stored under a key counting the lift";
}

TEST_P(SuppressionPolicyContract, RecordsEveryChangeWithItsSourceAndNote)
{
    apply({by_rule(unsubscribe("k1", "a@example.com", "marketing"), "list_unsubscribe",
                   "clicked the link")});
    apply({by_rule(unsubscribe("k2", "a@example.com", "marketing"), "list_unsubscribe", "again")});
    apply({in_stream(
        by_rule(lifting(routed("k3", event_kind::resubscribed, "a@example.com"), "unsubscribed"),
                "", "came back"),
        "marketing")});
    auto entry = manual("a@example.com");
    entry.note = "asked by phone";
    store_->put_suppression(entry);
    EXPECT_EQ(store_->remove_suppression("a@example.com", "*", "admin:ops", "mistake"), 1u);

    EXPECT_THAT(
        history_of("a@example.com"),
        ElementsAre("suppress marketing unsubscribed rule:list_unsubscribe clicked the link",
                    "lift marketing unsubscribed rule:resubscribe came back",
                    "suppress * manual admin:ops asked by phone",
                    "lift * manual admin:ops mistake"));
    EXPECT_THAT(history_of("a@example.com", 2),
                ElementsAre("suppress * manual admin:ops asked by phone",
                            "lift * manual admin:ops mistake"))
        << "the newest, oldest first";
    EXPECT_THAT(history_of("b@example.com"), IsEmpty());
}

TEST_P(SuppressionPolicyContract, RemovesOneStreamOrEvery)
{
    store_->put_suppressions({manual("a@example.com", "marketing"), manual("a@example.com", "news"),
                              manual("a@example.com", "*")});

    EXPECT_EQ(store_->remove_suppression("a@example.com", "news", "admin:ops", ""), 1u);
    EXPECT_EQ(store_->remove_suppression("a@example.com", "news", "admin:ops", ""), 0u);
    EXPECT_EQ(store_->remove_suppression("a@example.com", "", "admin:ops", ""), 2u);
    EXPECT_THAT(entries_of("a@example.com"), IsEmpty());
}

TEST_P(SuppressionPolicyContract, PutsTenThousandEntriesAllOrNone)
{
    std::vector<suppression> entries;
    for (int i = 0; i < 10'000; ++i) {
        entries.push_back(manual("user" + std::to_string(i) + "@example.com"));
    }
    auto broken = entries;
    broken[7'000].stream = ""; // no stream: the backend refuses it

    EXPECT_ANY_THROW(store_->put_suppressions(broken));
    EXPECT_THAT(store_->list_suppressions({}), IsEmpty()) << "nothing of a failed put is applied";
    EXPECT_THAT(store_->suppression_history("user1@example.com", 10), IsEmpty());

    const auto started = std::chrono::steady_clock::now();
    store_->put_suppressions(entries);
    const auto took = std::chrono::steady_clock::now() - started;

    EXPECT_LT(took, std::chrono::seconds(10));
    std::size_t listed = 0;
    suppression_filter filter;
    filter.limit = max_page_size;
    for (auto page = store_->list_suppressions(filter); !page.empty();
         page = store_->list_suppressions(filter)) {
        listed += page.size();
        filter.after_email = page.back().email;
        filter.after_stream = page.back().stream;
    }
    EXPECT_EQ(listed, 10'000u);
    EXPECT_TRUE(found(*store_, "user9999@example.com"));
    EXPECT_EQ(store_->suppression_history("user9999@example.com", 10).size(), 1u);
}

TEST_P(SuppressionPolicyContract, PagesByEmailAndStream)
{
    store_->put_suppressions({manual("b@example.com"), manual("a@example.com", "transactional"),
                              manual("a@example.com", "marketing"), manual("a@example.com")});
    auto listed = [this](suppression_filter f) {
        std::vector<std::string> out;
        for (const auto& s : store_->list_suppressions(f)) {
            out.push_back(s.email + " " + s.stream);
        }
        return out;
    };

    EXPECT_THAT(listed({}), ElementsAre("a@example.com *", "a@example.com marketing",
                                        "a@example.com transactional", "b@example.com *"));
    suppression_filter after;
    after.after_email = "a@example.com";
    after.after_stream = "marketing";
    after.limit = 1;
    EXPECT_THAT(listed(after), ElementsAre("a@example.com transactional"));
    suppression_filter by_stream;
    by_stream.stream = "*";
    EXPECT_THAT(listed(by_stream), ElementsAre("a@example.com *", "b@example.com *"));
    by_stream.after_email = "a@example.com";
    by_stream.after_stream = "*";
    EXPECT_THAT(listed(by_stream), ElementsAre("b@example.com *"));
}

INSTANTIATE_TEST_SUITE_P(backend, SuppressionPolicyContract, test::all_backends(), test::name_of);

} // namespace
} // namespace mailgate::core::storage
