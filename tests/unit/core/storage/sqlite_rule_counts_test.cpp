// SQLite's count rules' hits are the counted events (core/storage/sqlite/rule_counts.hpp): found
// through the address index, or held by the writer for the events after the index mark. A count
// must come out the same whichever way its hits are found, and after a restart, a rollback or
// another process's writes.

#include "core/storage/sqlite_store.hpp"
#include "test_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mailgate::core::storage {
namespace {

using events::event_kind;
using test::apply_and_wait;
using test::at_time;
using test::base_time;
using test::counting;
using test::found;
using test::routed;
using ::testing::ElementsAre;

constexpr int64_t window = 10'000;

// A soft bounce of `email` at base_time + `offset`, counted 3 in `window` by rule "soft".
events::routed_event soft_bounce(const std::string& key, int64_t offset,
                                 const std::string& email = "a@example.com")
{
    return at_time(
        counting(routed(key, event_kind::soft_bounce, email), "soft", "soft_bounce", 3, window),
        offset);
}

class SqliteRuleCounts : public ::testing::Test {
protected:
    std::unique_ptr<store> open(std::size_t index_batch)
    {
        sqlite_options options;
        options.path = folder_.path() / "mailgate.db";
        options.index_batch = index_batch;
        return open_sqlite_store(options);
    }

    static std::vector<int64_t> hits(store& s, const std::string& email = "a@example.com")
    {
        const auto counters = s.rule_counters(email);
        return counters.empty() ? std::vector<int64_t>{} : counters.front().hits;
    }

    test::temp_folder folder_;
};

TEST_F(SqliteRuleCounts, CountsEventsTheIndexDoesNotCoverYet)
{
    auto s = open(1000);
    apply_and_wait(*s, {soft_bounce("k1", 0), soft_bounce("k2", 1)});

    EXPECT_THAT(hits(*s), ElementsAre(base_time, base_time + 1));
    EXPECT_FALSE(found(*s, "a@example.com"));

    apply_and_wait(*s, {soft_bounce("k3", 2)});

    EXPECT_TRUE(found(*s, "a@example.com")) << "the third hit within the window";
}

// With an index write every third event, the count goes on across writes, for each address.
TEST_F(SqliteRuleCounts, CountsIndexedAndUnindexedEventsTogether)
{
    auto s = open(3);
    apply_and_wait(*s, {soft_bounce("k1", 0, "b@example.com"), soft_bounce("k2", 1),
                        soft_bounce("k3", 2, "b@example.com")});
    apply_and_wait(*s, {soft_bounce("k4", 3)});

    EXPECT_THAT(hits(*s), ElementsAre(base_time + 1, base_time + 3));
    EXPECT_THAT(hits(*s, "b@example.com"), ElementsAre(base_time, base_time + 2));
    EXPECT_FALSE(found(*s, "b@example.com"));

    apply_and_wait(*s, {soft_bounce("k5", 4, "b@example.com")});

    EXPECT_TRUE(found(*s, "b@example.com"));
    EXPECT_FALSE(found(*s, "a@example.com"));
}

TEST_F(SqliteRuleCounts, DropsHitsOlderThanTheWindow)
{
    auto s = open(2);
    apply_and_wait(*s, {soft_bounce("k1", 0), soft_bounce("k2", 1)});
    apply_and_wait(*s, {soft_bounce("k3", window + 1)});

    EXPECT_THAT(hits(*s), ElementsAre(base_time + 1, base_time + window + 1));
    EXPECT_FALSE(found(*s, "a@example.com"));
}

// The hits after the mark are in the events: a restart reads them back, so the count goes on.
TEST_F(SqliteRuleCounts, ContinuesTheCountAfterARestart)
{
    {
        auto s = open(1000);
        apply_and_wait(*s, {soft_bounce("k1", 0), soft_bounce("k2", 1)});
    }
    auto s = open(1000);

    EXPECT_THAT(hits(*s), ElementsAre(base_time, base_time + 1));
    apply_and_wait(*s, {soft_bounce("k3", 2)});
    EXPECT_TRUE(found(*s, "a@example.com"));
    EXPECT_THAT(hits(*s), ElementsAre(base_time, base_time + 1, base_time + 2));
}

// Written with the indexes, the hits are found through the address index after a restart, and
// the addresses counted through counted_addresses.
TEST_F(SqliteRuleCounts, ContinuesACountWrittenBeforeARestart)
{
    {
        auto s = open(2);
        apply_and_wait(*s, {soft_bounce("k1", 0), soft_bounce("k2", 1)});
    }
    auto s = open(2);

    apply_and_wait(*s, {soft_bounce("k3", 2, "b@example.com")});
    EXPECT_FALSE(found(*s, "b@example.com"));
    apply_and_wait(*s, {soft_bounce("k4", 3)});

    EXPECT_TRUE(found(*s, "a@example.com"));
    EXPECT_THAT(hits(*s), ElementsAre(base_time, base_time + 1, base_time + 3));
}

// An event the batch undid (its partner is refused) leaves no hit, in memory or written.
TEST_F(SqliteRuleCounts, AnUndoneBatchLeavesNoHit)
{
    {
        auto s = open(2);
        apply_and_wait(*s, {soft_bounce("k1", 0)});
        const auto undone = apply_and_wait(*s, {soft_bounce("k2", 1), routed("")});
        ASSERT_TRUE(undone.error);
        apply_and_wait(*s, {soft_bounce("k3", 2)});

        EXPECT_THAT(hits(*s), ElementsAre(base_time, base_time + 2));
        EXPECT_FALSE(found(*s, "a@example.com"));
    }
    auto s = open(2);

    EXPECT_THAT(hits(*s), ElementsAre(base_time, base_time + 2)) << "after a restart";
}

// mailgate replay --apply writes to the same file from another process: each writer counts the
// other's hits, those it indexed too.
TEST_F(SqliteRuleCounts, CountsTheHitsAnotherWriterStored)
{
    auto first = open(1000);
    auto second = open(1000);

    apply_and_wait(*first, {soft_bounce("k1", 0)});
    apply_and_wait(*second, {soft_bounce("k2", 1)});
    apply_and_wait(*first, {soft_bounce("k3", 2)});

    EXPECT_TRUE(found(*first, "a@example.com"));
    EXPECT_THAT(hits(*second), ElementsAre(base_time, base_time + 1, base_time + 2));
}

TEST_F(SqliteRuleCounts, CountsTheHitsAnotherWriterIndexed)
{
    auto first = open(1);
    apply_and_wait(*first, {soft_bounce("k0", 0, "b@example.com")}); // its filter is read
    auto second = open(1);

    apply_and_wait(*second, {soft_bounce("k1", 0), soft_bounce("k2", 1)});
    apply_and_wait(*first, {soft_bounce("k3", 2)});

    EXPECT_TRUE(found(*first, "a@example.com"));
}

// An operator's lift made by another process (mailgate suppressions) still makes the next
// opt-out of the address a new event: the writer's filter of lifted addresses is read again.
TEST_F(SqliteRuleCounts, AnotherWritersLiftMakesTheNextOptOutNew)
{
    const auto opt_out =
        test::suppressing(routed("k1", event_kind::unsubscribed, "a@example.com"), "unsubscribed");
    auto first = open(1000);
    ASSERT_EQ(apply_and_wait(*first, {opt_out}).result.stored, 1u);
    {
        auto second = open(1000);
        ASSERT_TRUE(test::lift_all(*second, "a@example.com"));
    }

    const auto again = apply_and_wait(*first, {opt_out});

    EXPECT_EQ(again.result.stored, 1u);
    EXPECT_TRUE(found(*first, "a@example.com"));
}

} // namespace
} // namespace mailgate::core::storage
