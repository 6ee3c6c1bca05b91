// What every storage backend must do for the outbound queue, written against the `store`
// interface only: durable acceptance, claims that never hand one message to two workers,
// leases that run out, outcomes with their events, and a restart that resumes.

#include "backends.hpp"
#include "test_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include <future>
#include <set>
#include <thread>

namespace mailgate::core::storage {
namespace {

using test::backend;
using test::base_time;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

// One request's entity, shared by its messages as the composer shares it.
const auto shared_entity = std::make_shared<const std::string>(
    std::string("Content-Type: text/plain\r\n\r\nbody \0 with a NUL\r\n", 47));

queued_message message(std::string id, std::string recipient = "rcpt@example.com")
{
    queued_message m;
    m.id = std::move(id);
    m.provider = "relay";
    m.campaign_id = "spring";
    m.mail_from = "news@example.org";
    m.recipient = std::move(recipient);
    m.head = "Subject: hi\r\nTo: " + m.recipient + "\r\nMIME-Version: 1.0\r\n";
    m.entity = shared_entity;
    m.created_at = base_time;
    return m;
}

delivery_outcome outcome(std::string id, delivery_state state, int64_t at = base_time + 10)
{
    delivery_outcome o;
    o.id = std::move(id);
    o.state = state;
    o.at = at;
    return o;
}

class QueueContract : public ::testing::TestWithParam<backend> {
protected:
    void SetUp() override
    {
        if (!GetParam().unavailable.empty()) {
            GTEST_SKIP() << GetParam().unavailable;
        }
        reopen();
    }

    void reopen()
    {
        store_.reset();
        store_ = GetParam().open(folder_.path(), nullptr);
    }

    std::error_code enqueue(std::vector<queued_message> messages)
    {
        std::promise<std::error_code> done;
        auto result = done.get_future();
        store_->enqueue(std::move(messages), [&done](std::error_code ec) { done.set_value(ec); });
        return result.get();
    }

    std::vector<queued_message> claim(std::size_t max, int64_t now, std::string owner = "node-a",
                                      int64_t lease = 60'000)
    {
        std::promise<std::vector<queued_message>> done;
        auto result = done.get_future();
        store_->claim(owner, max, now, now + lease,
                      [&done](std::error_code ec, std::vector<queued_message> claimed) {
                          EXPECT_FALSE(ec) << ec.message();
                          done.set_value(std::move(claimed));
                      });
        return result.get();
    }

    std::error_code record(std::vector<delivery_outcome> outcomes)
    {
        std::promise<std::error_code> done;
        auto result = done.get_future();
        store_->record(std::move(outcomes), [&done](std::error_code ec) { done.set_value(ec); });
        return result.get();
    }

    delivery_state state_of(const std::string& id)
    {
        auto m = store_->find_message(id);
        EXPECT_TRUE(m.has_value()) << id;
        return m ? m->state : delivery_state::failed;
    }

    test::temp_folder folder_;
    std::unique_ptr<store> store_;
};

TEST_P(QueueContract, KeepsEachMessagesStream)
{
    auto marketing = message("m1");
    marketing.stream = "marketing";
    auto transactional = message("m2");
    transactional.stream = "transactional";
    ASSERT_FALSE(enqueue({marketing, transactional, message("m3")}));

    EXPECT_EQ(store_->find_message("m1").value().stream, "marketing");
    EXPECT_EQ(store_->find_message("m2").value().stream, "transactional");
    EXPECT_EQ(store_->find_message("m3").value().stream, "");
    std::map<std::string, std::string> claimed;
    for (const auto& m : claim(10, base_time)) {
        claimed[m.id] = m.stream;
    }
    EXPECT_EQ(claimed, (std::map<std::string, std::string>{
                           {"m1", "marketing"}, {"m2", "transactional"}, {"m3", ""}}));
}

TEST_P(QueueContract, AcceptedMessagesAreQueuedWithEveryField)
{
    ASSERT_FALSE(enqueue({message("m1"), message("m2", "other@example.com")}));

    auto m = store_->find_message("m2");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->state, delivery_state::queued);
    EXPECT_EQ(m->provider, "relay");
    EXPECT_EQ(m->campaign_id, "spring");
    EXPECT_EQ(m->mail_from, "news@example.org");
    EXPECT_EQ(m->recipient, "other@example.com");
    EXPECT_EQ(m->attempts, 0);
    EXPECT_EQ(m->created_at, base_time);
    EXPECT_TRUE(m->head.empty() && !m->entity) << "find_message leaves the content out";
    EXPECT_EQ(store_->queued_count(), 2);
    EXPECT_FALSE(store_->find_message("nope"));
}

TEST_P(QueueContract, AcceptanceSurvivesAReopen)
{
    ASSERT_FALSE(enqueue({message("m1")}));
    reopen();
    auto claimed = claim(10, base_time);
    ASSERT_THAT(claimed, SizeIs(1));
    EXPECT_EQ(claimed[0].text(), message("m1").text()) << "content kept byte for byte";
}

TEST_P(QueueContract, DuplicateIdsAreRefusedAsAWhole)
{
    ASSERT_FALSE(enqueue({message("m1")}));
    EXPECT_TRUE(enqueue({message("m2"), message("m1")}));
    EXPECT_FALSE(store_->find_message("m2")) << "nothing of a failed enqueue is applied";
}

TEST_P(QueueContract, AClaimTakesDueMessagesOnceAndCountsTheAttempt)
{
    ASSERT_FALSE(enqueue({message("m1"), message("m2"), message("m3")}));

    auto first = claim(2, base_time);
    auto second = claim(10, base_time);
    auto third = claim(10, base_time);

    ASSERT_THAT(first, SizeIs(2));
    ASSERT_THAT(second, SizeIs(1));
    EXPECT_THAT(third, IsEmpty()) << "a leased message is not handed out again";
    std::set<std::string> ids{first[0].id, first[1].id, second[0].id};
    EXPECT_EQ(ids, (std::set<std::string>{"m1", "m2", "m3"}));
    EXPECT_EQ(first[0].attempts, 1);
    EXPECT_EQ(first[0].state, delivery_state::sending);
    EXPECT_EQ(state_of("m1"), delivery_state::sending);
}

TEST_P(QueueContract, ConcurrentClaimsNeverShareAMessage)
{
    std::vector<queued_message> batch;
    for (int i = 0; i < 200; ++i) {
        batch.push_back(message("m" + std::to_string(i)));
    }
    ASSERT_FALSE(enqueue(std::move(batch)));

    std::vector<std::vector<queued_message>> taken(4);
    std::vector<std::thread> workers;
    for (std::size_t w = 0; w < taken.size(); ++w) {
        workers.emplace_back([&, w] {
            for (auto got = claim(7, base_time); !got.empty(); got = claim(7, base_time)) {
                taken[w].insert(taken[w].end(), got.begin(), got.end());
            }
        });
    }
    for (auto& t : workers) {
        t.join();
    }
    std::set<std::string> ids;
    std::size_t total = 0;
    for (const auto& list : taken) {
        for (const auto& m : list) {
            ids.insert(m.id);
            ++total;
        }
    }
    EXPECT_EQ(total, 200u);
    EXPECT_EQ(ids.size(), 200u);
}

TEST_P(QueueContract, DeferredMessagesComeBackWhenDue)
{
    ASSERT_FALSE(enqueue({message("m1")}));
    ASSERT_THAT(claim(1, base_time), SizeIs(1));
    auto deferred = outcome("m1", delivery_state::deferred);
    deferred.next_attempt_at = base_time + 5'000;
    deferred.last_reply = "451 4.3.0 try later";
    deferred.failure = "SMTP dispatching failed";
    ASSERT_FALSE(record({deferred}));

    auto m = store_->find_message("m1");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->state, delivery_state::deferred);
    EXPECT_EQ(m->last_reply, "451 4.3.0 try later");
    EXPECT_EQ(m->failure, "SMTP dispatching failed");
    EXPECT_THAT(claim(1, base_time + 4'999), IsEmpty());
    auto again = claim(1, base_time + 5'000);
    ASSERT_THAT(again, SizeIs(1));
    EXPECT_EQ(again[0].attempts, 2);
    EXPECT_EQ(again[0].text(), message("m1").text());
}

// What an operator's queue view and its metrics read: per provider and state, how many, the
// oldest and when the next attempt is; final states are not in it.
TEST_P(QueueContract, SummarisesTheQueuePerProviderAndState)
{
    ASSERT_FALSE(enqueue({message("m1"), message("m2")}));
    ASSERT_THAT(claim(2, base_time), SizeIs(2));
    auto deferred = outcome("m1", delivery_state::deferred);
    deferred.next_attempt_at = base_time + 5'000;
    ASSERT_FALSE(record({deferred, outcome("m2", delivery_state::sent)}));
    auto later = message("m3");
    later.created_at = base_time + 100;
    auto other = message("m4");
    other.provider = "esp";
    other.created_at = base_time + 200;
    ASSERT_FALSE(enqueue({later, other}));

    std::vector<std::string> rows;
    for (const auto& r : store_->queue_summary()) {
        rows.push_back(r.provider + " " + r.state + " " + std::to_string(r.messages) + " " +
                       std::to_string(r.oldest_created_at - base_time));
    }
    EXPECT_THAT(rows, ElementsAre("esp queued 1 200", "relay deferred 1 0", "relay queued 1 100"));
    const auto summary = store_->queue_summary();
    EXPECT_EQ(summary[1].next_attempt_at, base_time + 5'000);
}

TEST_P(QueueContract, FinalStatesAreNeverClaimedAgain)
{
    ASSERT_FALSE(enqueue({message("m1"), message("m2")}));
    ASSERT_THAT(claim(2, base_time), SizeIs(2));
    auto sent = outcome("m1", delivery_state::sent);
    sent.last_reply = "250 2.0.0 Ok: queued as ABC";
    sent.provider_message_id = "ABC";
    ASSERT_FALSE(record({sent, outcome("m2", delivery_state::failed)}));

    EXPECT_THAT(claim(10, base_time + 365LL * 86'400'000), IsEmpty());
    auto m = store_->find_message("m1");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->state, delivery_state::sent);
    EXPECT_EQ(m->provider_message_id, "ABC");
    EXPECT_EQ(m->updated_at, base_time + 10);
    EXPECT_EQ(state_of("m2"), delivery_state::failed);
    EXPECT_EQ(store_->queued_count(), 0);
}

// The entity one request's messages share outlives the first of them to finish: the last one
// still sends it whole, after a retry and a reopen, and a message without an entity is its head.
TEST_P(QueueContract, ASharedEntityLastsUntilItsLastMessageIsFinal)
{
    auto whole = message("m4");
    whole.head = whole.text();
    whole.entity.reset();
    ASSERT_FALSE(enqueue({message("m1"), message("m2"), message("m3"), whole}));
    ASSERT_THAT(claim(4, base_time), SizeIs(4));
    auto later = outcome("m3", delivery_state::deferred);
    later.next_attempt_at = base_time + 1'000;
    ASSERT_FALSE(record({outcome("m1", delivery_state::sent), outcome("m2", delivery_state::failed),
                         later, outcome("m4", delivery_state::sent)}));
    reopen();

    auto again = claim(10, base_time + 1'000);
    ASSERT_THAT(again, SizeIs(1));
    EXPECT_EQ(again[0].id, "m3");
    EXPECT_EQ(again[0].text(), message("m3").text());
    EXPECT_EQ(again[0].text(),
              "Subject: hi\r\nTo: rcpt@example.com\r\nMIME-Version: 1.0\r\n" + *shared_entity);
    ASSERT_FALSE(record({outcome("m3", delivery_state::sent, base_time + 1'010)}));
    EXPECT_EQ(state_of("m3"), delivery_state::sent);
}

// The node that accepts a message may deliver it at once: stored leased to that node, it is
// nobody's to claim until the lease runs out or the node restarts, and its outcome records as
// a claimed one's does.
TEST_P(QueueContract, AMessageQueuedLeasedIsTheLeaseholdersUntilTheLeaseRunsOut)
{
    auto leased = message("m1");
    leased.state = delivery_state::sending;
    leased.attempts = 1;
    leased.lease_owner = "node-a";
    leased.next_attempt_at = base_time + 60'000;
    ASSERT_FALSE(enqueue({leased, message("m2")}));
    auto stored = store_->find_message("m1");
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->state, delivery_state::sending);
    EXPECT_EQ(stored->attempts, 1);
    EXPECT_EQ(stored->next_attempt_at, base_time + 60'000);

    auto claimed = claim(10, base_time, "node-b");
    ASSERT_THAT(claimed, SizeIs(1));
    EXPECT_EQ(claimed[0].id, "m2") << "m1 is node-a's";
    EXPECT_THAT(claim(10, base_time + 59'999, "node-b"), IsEmpty());
    EXPECT_EQ(store_->release("node-a"), 1u) << "a restart of node-a makes it due again";
    auto resumed = claim(10, base_time + 1, "node-a");
    ASSERT_THAT(resumed, SizeIs(1));
    EXPECT_EQ(resumed[0].attempts, 2);
    EXPECT_EQ(resumed[0].text(), message("m1").text());
    ASSERT_FALSE(record({outcome("m1", delivery_state::sent)}));
    EXPECT_EQ(state_of("m1"), delivery_state::sent);
}

TEST_P(QueueContract, AnExpiredLeaseLetsAnotherWorkerTakeOver)
{
    ASSERT_FALSE(enqueue({message("m1")}));
    ASSERT_THAT(claim(1, base_time, "node-a", 1'000), SizeIs(1));
    EXPECT_THAT(claim(1, base_time + 999, "node-b"), IsEmpty());
    auto taken = claim(1, base_time + 1'000, "node-b");
    ASSERT_THAT(taken, SizeIs(1));
    EXPECT_EQ(taken[0].attempts, 2);
}

TEST_P(QueueContract, ReleaseResumesOnlyTheRestartingNodesMessages)
{
    ASSERT_FALSE(enqueue({message("m1"), message("m2")}));
    ASSERT_THAT(claim(1, base_time, "node-a", 3'600'000), SizeIs(1));
    ASSERT_THAT(claim(1, base_time, "node-b", 3'600'000), SizeIs(1));
    reopen();

    EXPECT_EQ(store_->release("node-a"), 1u);
    auto resumed = claim(10, base_time + 1, "node-a");
    ASSERT_THAT(resumed, SizeIs(1)) << "node-b's lease still holds";
    EXPECT_EQ(store_->release("node-c"), 0u);
}

TEST_P(QueueContract, AnOutcomeAppliesItsBounceEventAtomically)
{
    ASSERT_FALSE(enqueue({message("m1", "gone@example.com")}));
    ASSERT_THAT(claim(1, base_time), SizeIs(1));
    auto failed = outcome("m1", delivery_state::failed);
    failed.last_reply = "550 5.1.1 user unknown";
    auto bounce = test::suppressing(
        test::routed("smtp:m1", events::event_kind::hard_bounce, "gone@example.com"),
        "hard_bounce");
    failed.events.push_back(bounce);
    ASSERT_FALSE(record({failed}));

    auto s = test::found(*store_, "gone@example.com");
    ASSERT_TRUE(s);
    EXPECT_EQ(s->reason, "hard_bounce");
    EXPECT_THAT(test::all_events(*store_), SizeIs(1));
    EXPECT_EQ(state_of("m1"), delivery_state::failed);
}

TEST_P(QueueContract, AnOutcomeForAMessageNoLongerLeasedChangesNothing)
{
    ASSERT_FALSE(enqueue({message("m1")}));
    ASSERT_THAT(claim(1, base_time), SizeIs(1));
    ASSERT_FALSE(record({outcome("m1", delivery_state::sent)}));
    ASSERT_FALSE(record({outcome("m1", delivery_state::failed)}));
    EXPECT_EQ(state_of("m1"), delivery_state::sent) << "a late second outcome is ignored";
}

INSTANTIATE_TEST_SUITE_P(backend, QueueContract, test::all_backends(), test::name_of);

} // namespace
} // namespace mailgate::core::storage
