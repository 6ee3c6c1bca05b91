// What every storage backend must do, written against the `store` interface only. A backend
// joins by being listed in backends.hpp.

#include "backends.hpp"
#include "core/metrics/registry.hpp"
#include "core/storage/store.hpp"
#include "test_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <ostream>
#include <set>
#include <thread>

namespace mailgate::core::storage {
namespace {

using events::event_kind;
using test::all_events;
using test::apply_and_wait;
using test::base_time;
using test::emails_of;
using test::expect_same;
using test::for_reason;
using test::from_provider;
using test::in_campaign;
using test::keys_of;
using test::lifting;
using test::routed;
using test::suppressing;
using test::with_system_event;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

using test::backend;

class StoreContract : public ::testing::TestWithParam<backend> {
protected:
    void SetUp() override
    {
        if (!GetParam().unavailable.empty()) {
            GTEST_SKIP() << GetParam().unavailable;
        }
        store_ = GetParam().open(folder_.path(), &commit_latency_);
    }

    /// The store observes commit latency once per transaction.
    uint64_t transactions() const { return commit_latency_.cumulative_counts().back(); }

    struct snapshot {
        std::vector<int64_t> event_ids;
        std::vector<std::string> suppressed;
        campaign_report report;
    };
    snapshot take_snapshot(const std::string& campaign_id)
    {
        snapshot out;
        for (const auto& e : all_events(*store_)) {
            out.event_ids.push_back(e.id);
        }
        for (const auto& s : suppressions([](auto& f) { f.limit = 1000; })) {
            out.suppressed.push_back(s.email + "/" + s.reason + "/" + s.provider);
        }
        out.report = store_->report(campaign_id);
        return out;
    }

    // Filters are built by assignment: GCC 12 warns about designated initializers that leave
    // members out (-Wmissing-field-initializers), default member initializers or not.
    std::vector<stored_event> events(const std::function<void(event_filter&)>& set)
    {
        event_filter filter;
        set(filter);
        return store_->list_events(filter);
    }
    std::vector<stored_event> page(int64_t after_id, std::size_t limit)
    {
        return events([&](auto& f) {
            f.after_id = after_id;
            f.limit = limit;
        });
    }
    std::vector<suppression> suppressions(const std::function<void(suppression_filter&)>& set)
    {
        suppression_filter filter;
        set(filter);
        return store_->list_suppressions(filter);
    }
    std::vector<std::string> suppressed(const std::function<void(suppression_filter&)>& set)
    {
        return emails_of(suppressions(set));
    }

    test::temp_folder folder_;
    metrics::histogram commit_latency_{{0.001, 0.01, 0.1, 1.0}};
    std::unique_ptr<store> store_;
};

events::routed_event every_field_set()
{
    events::routed_event r;
    r.ev.provider = "postal";
    r.ev.driver = "postal@1.2.3";
    r.ev.kind = event_kind::hard_bounce;
    r.ev.permanent = true;
    r.ev.email = "jane@example.com";
    r.ev.occurred_at_ms = base_time + 123;
    r.ev.received_at_ms = base_time + 456;
    r.ev.meta = "v1.token-of-attribution";
    r.ev.attributed = {"msg-1", "camp-1", "profile-1", "newsletters"};
    r.ev.description = "550 5.1.1 no such user";
    r.ev.provider_event_id = "prov-evt-1";
    r.ev.event_key = "key-1";
    r.ev.detail_json = R"({"code":550,"text":"Grüße, 'quoted' \"text\""})";
    r.ev.reason = reasons::reason::userunknown;
    r.ev.smtp_code = 550;
    r.ev.status = "5.1.1";
    r.ev.remote_mta = "mx.example.com";
    r.system_events = {{"Notification Failed", "hard_bounce", "550 5.1.1 no such user"},
                       {"Channel Unsubscribed", "email", "bounced"}};
    return r;
}

void expect_same_event(const stored_event& actual, const events::routed_event& expected)
{
    const auto& a = actual.ev;
    const auto& e = expected.ev;
    EXPECT_EQ(a.provider, e.provider);
    EXPECT_EQ(a.driver, e.driver);
    EXPECT_EQ(a.kind, e.kind);
    EXPECT_EQ(a.permanent, e.permanent);
    EXPECT_EQ(a.email, e.email);
    EXPECT_EQ(a.occurred_at_ms, e.occurred_at_ms);
    EXPECT_EQ(a.received_at_ms, e.received_at_ms);
    EXPECT_EQ(a.meta, e.meta);
    EXPECT_EQ(a.attributed.message_id, e.attributed.message_id);
    EXPECT_EQ(a.attributed.campaign_id, e.attributed.campaign_id);
    EXPECT_EQ(a.attributed.profile, e.attributed.profile);
    EXPECT_EQ(a.attributed.stream, e.attributed.stream);
    EXPECT_EQ(a.description, e.description);
    EXPECT_EQ(a.provider_event_id, e.provider_event_id);
    EXPECT_EQ(a.event_key, e.event_key);
    EXPECT_EQ(a.detail_json, e.detail_json);
    EXPECT_EQ(a.reason, e.reason);
    EXPECT_EQ(a.smtp_code, e.smtp_code);
    EXPECT_EQ(a.status, e.status);
    EXPECT_EQ(a.remote_mta, e.remote_mta);
    ASSERT_EQ(actual.system_events.size(), expected.system_events.size());
    for (std::size_t i = 0; i < expected.system_events.size(); ++i) {
        EXPECT_EQ(actual.system_events[i].name, expected.system_events[i].name);
        EXPECT_EQ(actual.system_events[i].property, expected.system_events[i].property);
        EXPECT_EQ(actual.system_events[i].reason, expected.system_events[i].reason);
    }
}

TEST_P(StoreContract, StoresEveryFieldExactly)
{
    auto full = every_field_set();
    auto bare = routed("key-2", event_kind::list_sync, "");

    auto applied = apply_and_wait(*store_, {full, bare});

    EXPECT_FALSE(applied.error);
    EXPECT_EQ(applied.result.stored, 2u);
    EXPECT_EQ(applied.result.duplicates, 0u);
    auto stored = store_->list_events({});
    ASSERT_EQ(stored.size(), 2u);
    EXPECT_GT(stored[0].id, 0);
    EXPECT_GT(stored[1].id, stored[0].id);
    expect_same_event(stored[0], full);
    expect_same_event(stored[1], bare);
}

TEST_P(StoreContract, FiltersEventsByReason)
{
    auto full = every_field_set();
    auto soft = routed("key-2", event_kind::soft_bounce, "soft@example.com");
    soft.ev.reason = reasons::reason::badreputation;
    auto open = routed("key-3", event_kind::opened, "soft@example.com");
    ASSERT_FALSE(apply_and_wait(*store_, {full, soft, open}).error);

    event_filter by_reason;
    by_reason.reasons = {reasons::reason::badreputation};
    auto found = store_->list_events(by_reason);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].ev.email, "soft@example.com");
    by_reason.reasons = {reasons::reason::userunknown};
    by_reason.kinds = {event_kind::hard_bounce};
    ASSERT_EQ(store_->list_events(by_reason).size(), 1u);
    by_reason.reasons = {reasons::reason::mailboxfull};
    EXPECT_TRUE(store_->list_events(by_reason).empty());

    // Any of several: an operator's "every bounce for a full mailbox or a bad reputation".
    by_reason.kinds = {event_kind::hard_bounce, event_kind::soft_bounce};
    by_reason.reasons = {reasons::reason::userunknown, reasons::reason::badreputation};
    EXPECT_EQ(store_->list_events(by_reason).size(), 2u);
    by_reason.reasons = {};
    by_reason.kinds = {event_kind::opened, event_kind::soft_bounce};
    EXPECT_EQ(store_->list_events(by_reason).size(), 2u);
}

TEST_P(StoreContract, ReapplyingABatchChangesNothing)
{
    std::vector batch{
        with_system_event(
            in_campaign(
                suppressing(routed("k1", event_kind::hard_bounce, "a@example.com"), "hard_bounce"),
                "c"),
            "Notification Failed"),
        in_campaign(routed("k2"), "c"),
        suppressing(routed("k3", event_kind::unsubscribed, "b@example.com"), "unsubscribed"),
    };
    ASSERT_EQ(apply_and_wait(*store_, batch).result.stored, 3u);
    auto before = take_snapshot("c");

    auto again = apply_and_wait(*store_, batch);

    EXPECT_FALSE(again.error);
    EXPECT_EQ(again.result.stored, 0u);
    EXPECT_EQ(again.result.duplicates, 3u);
    auto after = take_snapshot("c");
    EXPECT_EQ(after.event_ids, before.event_ids);
    EXPECT_EQ(after.suppressed, before.suppressed);
    EXPECT_EQ(after.report.by_kind, before.report.by_kind);
    EXPECT_EQ(after.report.by_system_event, before.report.by_system_event);
    EXPECT_EQ(after.report.by_kind.at("delivered"), 1);
}

TEST_P(StoreContract, ADuplicateWithinOneBatchChangesNothing)
{
    auto again =
        suppressing(in_campaign(routed("k1", event_kind::spam, "x@example.com"), "c"), "spam");

    auto applied = apply_and_wait(*store_, {in_campaign(routed("k1"), "c"), routed("k2"), again});

    EXPECT_EQ(applied.result.stored, 2u);
    EXPECT_EQ(applied.result.duplicates, 1u);
    EXPECT_THAT(keys_of(all_events(*store_)), ElementsAre("k1", "k2"));
    EXPECT_EQ(all_events(*store_)[0].ev.kind, event_kind::delivered) << "the first one stays";
    EXPECT_FALSE(test::found(*store_, "x@example.com"));
    EXPECT_EQ(store_->report("c").by_kind, (std::map<std::string, int64_t>{{"delivered", 1}}));
}

TEST_P(StoreContract, TheSameKeyFromAnotherProviderIsAnotherEvent)
{
    auto applied = apply_and_wait(*store_, {routed("k1"), from_provider(routed("k1"), "sendgrid")});

    EXPECT_EQ(applied.result.stored, 2u);
    EXPECT_EQ(all_events(*store_).size(), 2u);
}

TEST_P(StoreContract, SuppressesWhatTheRoutedEventSays)
{
    auto hard =
        suppressing(routed("k1", event_kind::hard_bounce, "hard@example.com"), "hard_bounce");
    hard.ev.received_at_ms = base_time + 1;
    auto spam = suppressing(routed("k2", event_kind::spam, "spam@example.com"), "spam");
    auto unsubscribed =
        suppressing(routed("k3", event_kind::unsubscribed, "unsub@example.com"), "unsubscribed");
    auto soft = routed("k4", event_kind::soft_bounce, "soft@example.com");

    ASSERT_FALSE(apply_and_wait(*store_, {hard, spam, unsubscribed, soft}).error);

    auto found = test::found(*store_, "hard@example.com");
    ASSERT_TRUE(found);
    expect_same(*found, test::entry("hard@example.com", "hard_bounce", "postal", base_time + 1));
    EXPECT_EQ(test::found(*store_, "spam@example.com").value().reason, "spam");
    EXPECT_EQ(test::found(*store_, "unsub@example.com").value().reason, "unsubscribed");
    EXPECT_FALSE(test::found(*store_, "soft@example.com"));
}

TEST_P(StoreContract, KeepsTheFirstSuppressionReason)
{
    auto bounce =
        suppressing(routed("k1", event_kind::hard_bounce, "a@example.com"), "hard_bounce");
    auto complaint = from_provider(
        suppressing(routed("k2", event_kind::spam, "a@example.com"), "spam"), "sendgrid");
    complaint.ev.received_at_ms = base_time + 9999;

    apply_and_wait(*store_, {bounce});
    apply_and_wait(*store_, {complaint});

    auto found = test::found(*store_, "a@example.com");
    ASSERT_TRUE(found);
    expect_same(*found,
                test::entry("a@example.com", "hard_bounce", "postal", bounce.ev.received_at_ms));
}

TEST_P(StoreContract, LiftsOnlyASuppressionWithTheSameReason)
{
    apply_and_wait(
        *store_,
        {suppressing(routed("k1", event_kind::unsubscribed, "unsub@example.com"), "unsubscribed"),
         suppressing(routed("k2", event_kind::hard_bounce, "hard@example.com"), "hard_bounce")});

    auto lifted = apply_and_wait(
        *store_,
        {lifting(routed("k3", event_kind::resubscribed, "unsub@example.com"), "unsubscribed"),
         lifting(routed("k4", event_kind::resubscribed, "hard@example.com"), "unsubscribed"),
         lifting(routed("k5", event_kind::resubscribed, "never@example.com"), "unsubscribed")});

    EXPECT_FALSE(lifted.error);
    EXPECT_EQ(lifted.result.stored, 3u);
    EXPECT_FALSE(test::found(*store_, "unsub@example.com"));
    EXPECT_EQ(test::found(*store_, "hard@example.com").value().reason, "hard_bounce");
}

TEST_P(StoreContract, AnOptOutRepeatedAfterTheOperatorsLiftSuppressesAgain)
{
    const auto opt_out = in_campaign(
        suppressing(routed("k1", event_kind::unsubscribed, "a@example.com"), "unsubscribed"), "c");
    ASSERT_EQ(apply_and_wait(*store_, {opt_out}).result.stored, 1u);
    ASSERT_TRUE(test::lift_all(*store_, "a@example.com"));

    auto again = apply_and_wait(*store_, {opt_out});

    EXPECT_EQ(again.result.stored, 1u);
    EXPECT_EQ(again.result.duplicates, 0u);
    EXPECT_EQ(test::found(*store_, "a@example.com").value().reason, "unsubscribed");
    EXPECT_THAT(keys_of(all_events(*store_)), ElementsAre("k1", "k1"));
    EXPECT_EQ(store_->report("c").by_kind.at("unsubscribed"), 2);

    auto retried = apply_and_wait(*store_, {opt_out});

    EXPECT_EQ(retried.result.duplicates, 1u) << "no lift since: a retry counts once";
    EXPECT_EQ(all_events(*store_).size(), 2u);
    EXPECT_EQ(store_->report("c").by_kind.at("unsubscribed"), 2);
}

TEST_P(StoreContract, AnOptOutRepeatedAfterAResubscribeSuppressesAgain)
{
    const auto opt_out =
        suppressing(routed("k1", event_kind::unsubscribed, "a@example.com"), "unsubscribed");
    apply_and_wait(*store_, {opt_out});
    apply_and_wait(*store_, {lifting(routed("k2", event_kind::resubscribed, "a@example.com"),
                                     "unsubscribed")});
    ASSERT_FALSE(test::found(*store_, "a@example.com"));

    EXPECT_EQ(apply_and_wait(*store_, {opt_out}).result.stored, 1u);
    EXPECT_TRUE(test::found(*store_, "a@example.com"));
    EXPECT_EQ(apply_and_wait(*store_, {opt_out}).result.duplicates, 1u);
    EXPECT_THAT(keys_of(all_events(*store_)), ElementsAre("k1", "k2", "k1"));
}

TEST_P(StoreContract, ARetryStaysADuplicateWhenNothingOfItsAddressWasLifted)
{
    const auto opt_out =
        suppressing(routed("k1", event_kind::unsubscribed, "a@example.com"), "unsubscribed");
    const auto delivered = in_campaign(routed("k2", event_kind::delivered, "a@example.com"), "c");
    apply_and_wait(*store_, {opt_out, delivered});
    apply_and_wait(*store_, {suppressing(routed("k3", event_kind::spam, "b@example.com"), "spam")});
    ASSERT_TRUE(test::lift_all(*store_, "b@example.com")) << "another address's lift";
    ASSERT_FALSE(test::lift_all(*store_, "c@example.com")) << "nothing to lift";
    // A resubscribe that lifts nothing: the address's suppression is a hard bounce.
    apply_and_wait(*store_, {suppressing(routed("k4", event_kind::hard_bounce, "d@example.com"),
                                         "hard_bounce")});
    apply_and_wait(*store_, {lifting(routed("k5", event_kind::resubscribed, "d@example.com"),
                                     "unsubscribed")});

    auto retried = apply_and_wait(*store_, {opt_out, delivered});

    EXPECT_EQ(retried.result.duplicates, 2u);
    EXPECT_EQ(
        apply_and_wait(*store_, {suppressing(routed("k4", event_kind::hard_bounce, "d@example.com"),
                                             "hard_bounce")})
            .result.duplicates,
        1u);
    // After a lift, only what suppresses is new again: a delivery's retry still counts once.
    ASSERT_TRUE(test::lift_all(*store_, "a@example.com"));
    EXPECT_EQ(apply_and_wait(*store_, {delivered}).result.duplicates, 1u);
    EXPECT_EQ(store_->report("c").by_kind.at("delivered"), 1);
}

TEST_P(StoreContract, ReportsExactCampaignCounters)
{
    std::vector<events::routed_event> batch;
    for (int i = 0; i < 3; ++i) {
        batch.push_back(in_campaign(routed("d" + std::to_string(i)), "c"));
    }
    batch.push_back(in_campaign(routed("o1", event_kind::opened), "c"));
    batch.push_back(in_campaign(routed("o2", event_kind::opened), "c"));
    batch.push_back(in_campaign(
        with_system_event(routed("h1", event_kind::hard_bounce), "Notification Failed"), "c"));
    batch.push_back(
        in_campaign(with_system_event(with_system_event(routed("u1", event_kind::unsubscribed),
                                                        "Channel Unsubscribed"),
                                      "Notification Failed"),
                    "c"));
    batch.push_back(in_campaign(routed("other"), "d"));
    batch.push_back(
        with_system_event(routed("none", event_kind::hard_bounce), "Notification Failed"));

    ASSERT_EQ(apply_and_wait(*store_, batch).result.stored, batch.size());

    auto c = store_->report("c");
    EXPECT_EQ(c.campaign_id, "c");
    EXPECT_EQ(c.by_kind,
              (std::map<std::string, int64_t>{
                  {"delivered", 3}, {"opened", 2}, {"hard_bounce", 1}, {"unsubscribed", 1}}));
    EXPECT_EQ(c.by_system_event, (std::map<std::string, int64_t>{{"Notification Failed", 2},
                                                                 {"Channel Unsubscribed", 1}}));
    EXPECT_EQ(store_->report("d").by_kind, (std::map<std::string, int64_t>{{"delivered", 1}}));
    EXPECT_THAT(store_->report("d").by_system_event, IsEmpty());
    auto unknown = store_->report("unknown");
    EXPECT_EQ(unknown.campaign_id, "unknown");
    EXPECT_THAT(unknown.by_kind, IsEmpty());
    EXPECT_THAT(unknown.by_system_event, IsEmpty());
}

TEST_P(StoreContract, ReportsACampaignByReason)
{
    using reasons::reason;
    std::vector batch{
        in_campaign(for_reason(routed("b1", event_kind::hard_bounce), reason::userunknown), "c"),
        in_campaign(for_reason(routed("b2", event_kind::hard_bounce), reason::userunknown), "c"),
        in_campaign(for_reason(routed("b3", event_kind::soft_bounce), reason::badreputation), "c"),
        in_campaign(for_reason(routed("d1"), reason::delivered), "c"),
        in_campaign(routed("o1", event_kind::opened), "c"),
        in_campaign(for_reason(routed("x1", event_kind::soft_bounce), reason::mailboxfull), "d"),
        for_reason(routed("none", event_kind::hard_bounce), reason::hostunknown),
    };
    ASSERT_EQ(apply_and_wait(*store_, batch).result.stored, batch.size());
    ASSERT_EQ(apply_and_wait(*store_, batch).result.duplicates, batch.size());

    EXPECT_EQ(store_->report("c").by_reason,
              (std::map<std::string, int64_t>{
                  {"userunknown", 2}, {"badreputation", 1}, {"delivered", 1}}))
        << "an open has no reason, a retried batch counts nothing twice";
    EXPECT_EQ(store_->report("c").by_kind.at("hard_bounce"), 2);
    EXPECT_EQ(store_->report("d").by_reason, (std::map<std::string, int64_t>{{"mailboxfull", 1}}));
    EXPECT_THAT(store_->report("unknown").by_reason, IsEmpty());
}

// Reports count reasons since a schema version; the upgrade to it counts the events stored with
// a reason before. Such a database is made by taking the counters and that version out again.
TEST_P(StoreContract, CountsTheReasonsOfEventsStoredBeforeReportsHadThem)
{
    using reasons::reason;
    ASSERT_FALSE(
        apply_and_wait(
            *store_,
            {in_campaign(for_reason(routed("b1", event_kind::hard_bounce), reason::userunknown),
                         "c"),
             in_campaign(for_reason(routed("b2", event_kind::hard_bounce), reason::userunknown),
                         "c"),
             in_campaign(routed("o1", event_kind::opened), "c"),
             for_reason(routed("b3", event_kind::soft_bounce), reason::mailboxfull)})
            .error);
    store_.reset();
    GetParam().execute(folder_.path(),
                       "DELETE FROM campaign_counters WHERE counter LIKE 'reason:%';"
                       "DELETE FROM schema_migrations WHERE version >= " +
                           std::to_string(GetParam().reason_counters_version));

    store_ = GetParam().open(folder_.path(), &commit_latency_);

    EXPECT_EQ(store_->report("c").by_reason, (std::map<std::string, int64_t>{{"userunknown", 2}}));
    EXPECT_EQ(store_->report("c").by_kind,
              (std::map<std::string, int64_t>{{"hard_bounce", 2}, {"opened", 1}}));
}

TEST_P(StoreContract, ConcurrentAppliesAreDoneOnceAndCountedOnce)
{
    constexpr int threads = 8;
    constexpr int calls_per_thread = 200;
    constexpr int calls = threads * calls_per_thread;
    // Overlapping keys: across threads, across calls, and now and then within one batch.
    auto batch_of = [](int call) {
        return std::vector{in_campaign(routed("k" + std::to_string(call * 7 % 1000)), "c"),
                           in_campaign(routed("k" + std::to_string(call % 100)), "c"),
                           in_campaign(routed("k" + std::to_string(call % 1000)), "c")};
    };
    std::set<std::string> unique_keys;
    for (int call = 0; call < calls; ++call) {
        for (const auto& r : batch_of(call)) {
            unique_keys.insert(r.ev.event_key);
        }
    }
    std::vector<std::atomic<int>> done_calls(calls);
    std::atomic<std::size_t> stored{0};
    std::atomic<std::size_t> duplicates{0};
    std::atomic<int> errors{0};

    std::vector<std::thread> submitters;
    for (int t = 0; t < threads; ++t) {
        submitters.emplace_back([&, t] {
            for (int i = 0; i < calls_per_thread; ++i) {
                int call = t * calls_per_thread + i;
                store_->apply(batch_of(call), [&, call](std::error_code error, commit_result r) {
                    done_calls[call].fetch_add(1);
                    errors.fetch_add(error ? 1 : 0);
                    stored.fetch_add(r.stored);
                    duplicates.fetch_add(r.duplicates);
                });
            }
        });
    }
    for (auto& s : submitters) {
        s.join();
    }
    store_->flush();

    for (int call = 0; call < calls; ++call) {
        ASSERT_EQ(done_calls[call].load(), 1) << "call " << call;
    }
    EXPECT_EQ(errors.load(), 0);
    EXPECT_EQ(stored.load() + duplicates.load(), std::size_t{calls} * 3);
    EXPECT_EQ(stored.load(), unique_keys.size());
    auto keys = keys_of(all_events(*store_));
    EXPECT_EQ(keys.size(), unique_keys.size());
    EXPECT_EQ(std::set<std::string>(keys.begin(), keys.end()), unique_keys);
    EXPECT_EQ(store_->report("c").by_kind.at("delivered"),
              static_cast<int64_t>(unique_keys.size()));
}

TEST_P(StoreContract, CommitsConcurrentBatchesTogether)
{
    constexpr int threads = 8;
    constexpr int batches_per_thread = 25;
    std::atomic<int> done{0};
    {
        test::writer_gate gate(*store_);
        std::vector<std::thread> submitters;
        for (int t = 0; t < threads; ++t) {
            submitters.emplace_back([&, t] {
                for (int i = 0; i < batches_per_thread; ++i) {
                    auto key = "t" + std::to_string(t) + "-" + std::to_string(i);
                    store_->apply({routed(key)},
                                  [&](std::error_code, commit_result) { done.fetch_add(1); });
                }
            });
        }
        for (auto& s : submitters) {
            s.join();
        }
    }
    store_->flush();

    EXPECT_EQ(done.load(), threads * batches_per_thread);
    EXPECT_LT(transactions(), uint64_t{threads * batches_per_thread});
    EXPECT_EQ(all_events(*store_).size(), std::size_t{threads * batches_per_thread});
}

// The schema refuses an empty event key (it would make unrelated events duplicates of each
// other), which gives a real SQL error in the middle of a batch.
TEST_P(StoreContract, AFailedBatchIsUndoneAloneAndTheOthersCommit)
{
    std::vector<test::outcome> outcomes(3);
    auto record = [&outcomes](int i) {
        return [&outcomes, i](std::error_code error, commit_result r) { outcomes[i] = {error, r}; };
    };
    {
        test::writer_gate gate(*store_);
        store_->apply({in_campaign(routed("a1"), "c")}, record(0));
        store_->apply(
            {in_campaign(suppressing(routed("b1", event_kind::spam, "b@example.com"), "spam"), "c"),
             routed("shared"), routed("")},
            record(1));
        store_->apply({in_campaign(routed("c1"), "c"), routed("shared")}, record(2));
    }
    store_->flush();

    EXPECT_FALSE(outcomes[0].error);
    EXPECT_EQ(outcomes[0].result.stored, 1u);
    EXPECT_TRUE(outcomes[1].error);
    EXPECT_EQ(outcomes[1].result.stored + outcomes[1].result.duplicates, 0u);
    EXPECT_FALSE(outcomes[2].error);
    EXPECT_EQ(outcomes[2].result.stored, 2u) << "the failed batch's copy of 'shared' is undone";
    EXPECT_THAT(keys_of(all_events(*store_)), ElementsAre("a1", "c1", "shared"));
    EXPECT_FALSE(test::found(*store_, "b@example.com"));
    EXPECT_EQ(store_->report("c").by_kind, (std::map<std::string, int64_t>{{"delivered", 2}}));
}

class StoreContractFilters : public StoreContract {
protected:
    void SetUp() override
    {
        StoreContract::SetUp();
        if (IsSkipped()) {
            return; // no server for this backend: there is no store to fill
        }
        auto at = [](events::routed_event r, int64_t received) {
            r.ev.received_at_ms = base_time + received;
            return r;
        };
        ASSERT_FALSE(
            apply_and_wait(
                *store_,
                {
                    at(in_campaign(routed("e1", event_kind::delivered, "a@x.org"), "c1"), 10),
                    at(from_provider(routed("e2", event_kind::opened, "b@x.org"), "sendgrid"), 20),
                    at(in_campaign(
                           with_system_event(
                               with_system_event(routed("e3", event_kind::hard_bounce, "a@x.org"),
                                                 "Notification Failed"),
                               "Channel Unsubscribed"),
                           "c2"),
                       30),
                    at(in_campaign(routed("e4", event_kind::opened, "a@x.org"), "c1"), 40),
                    at(from_provider(
                           in_campaign(routed("e5", event_kind::delivered, "c@x.org"), "c1"),
                           "sendgrid"),
                       50),
                    at(routed("e6", event_kind::delivered, "b@x.org"), 60),
                })
                .error);
    }

    std::vector<std::string> keys(const std::function<void(event_filter&)>& set)
    {
        return keys_of(events(set));
    }
};

TEST_P(StoreContractFilters, ListsEventsInIdOrder)
{
    EXPECT_THAT(keys_of(store_->list_events({})), ElementsAre("e1", "e2", "e3", "e4", "e5", "e6"));
}

TEST_P(StoreContractFilters, FiltersEventsByEachField)
{
    EXPECT_THAT(keys([](auto& f) { f.email = "a@x.org"; }), ElementsAre("e1", "e3", "e4"));
    EXPECT_THAT(keys([](auto& f) { f.campaign_id = "c1"; }), ElementsAre("e1", "e4", "e5"));
    EXPECT_THAT(keys([](auto& f) { f.kinds = {event_kind::opened}; }), ElementsAre("e2", "e4"));
    EXPECT_THAT(keys([](auto& f) { f.provider = "sendgrid"; }), ElementsAre("e2", "e5"));
    EXPECT_THAT(keys([](auto& f) { f.since = base_time + 40; }), ElementsAre("e4", "e5", "e6"));
    EXPECT_THAT(keys([](auto& f) { f.email = "nobody@x.org"; }), IsEmpty());
}

TEST_P(StoreContractFilters, AndsTheFilters)
{
    EXPECT_THAT(keys([](auto& f) {
                    f.email = "a@x.org";
                    f.campaign_id = "c1";
                }),
                ElementsAre("e1", "e4"));
    EXPECT_THAT(keys([](auto& f) {
                    f.email = "a@x.org";
                    f.kinds = {event_kind::opened};
                }),
                ElementsAre("e4"));
    EXPECT_THAT(keys([](auto& f) {
                    f.campaign_id = "c1";
                    f.provider = "sendgrid";
                    f.since = base_time + 50;
                }),
                ElementsAre("e5"));
    EXPECT_THAT(keys([](auto& f) {
                    f.kinds = {event_kind::delivered};
                    f.since = base_time + 20;
                }),
                ElementsAre("e5", "e6"));
}

TEST_P(StoreContractFilters, PagesEventsByIdAndLimit)
{
    auto first = page(0, 2);
    ASSERT_THAT(keys_of(first), ElementsAre("e1", "e2"));
    auto second = page(first.back().id, 2);
    ASSERT_THAT(keys_of(second), ElementsAre("e3", "e4"));
    EXPECT_EQ(second[0].system_events.size(), 2u) << "the limit counts events, not joined rows";
    auto filtered = events([&](auto& f) {
        f.email = "a@x.org";
        f.after_id = first.back().id;
        f.limit = 1;
    });
    EXPECT_THAT(keys_of(filtered), ElementsAre("e3"));
    auto last = page(second.back().id, 100);
    EXPECT_THAT(keys_of(last), ElementsAre("e5", "e6"));
    EXPECT_THAT(page(last.back().id, 100), IsEmpty());
}

TEST_P(StoreContractFilters, ReturnsEachEventWithItsSystemEvents)
{
    auto c2 = events([](auto& f) { f.campaign_id = "c2"; });
    ASSERT_EQ(c2.size(), 1u);
    ASSERT_EQ(c2[0].system_events.size(), 2u);
    EXPECT_EQ(c2[0].system_events[0].name, "Notification Failed");
    EXPECT_EQ(c2[0].system_events[1].name, "Channel Unsubscribed");
    for (const auto& e : events([](auto& f) { f.campaign_id = "c1"; })) {
        EXPECT_THAT(e.system_events, IsEmpty()) << e.ev.event_key;
    }
}

TEST_P(StoreContract, CapsAnEventPageAtOneThousand)
{
    std::vector<events::routed_event> batch;
    for (int i = 0; i < 1005; ++i) {
        batch.push_back(routed("k" + std::to_string(i)));
    }
    ASSERT_FALSE(apply_and_wait(*store_, batch).error);

    auto first_page = page(0, 5000);

    ASSERT_EQ(first_page.size(), 1000u);
    EXPECT_EQ(page(first_page.back().id, 5000).size(), 5u);
}

TEST_P(StoreContract, FiltersAndPagesSuppressions)
{
    auto suppress = [](std::string key, std::string email, std::string reason) {
        return suppressing(routed(std::move(key), event_kind::dropped, std::move(email)),
                           std::move(reason));
    };
    ASSERT_FALSE(apply_and_wait(*store_, {suppress("k1", "d@x.org", "spam"),
                                          suppress("k2", "a@x.org", "hard_bounce"),
                                          suppress("k3", "c@x.org", "hard_bounce"),
                                          suppress("k4", "b@x.org", "unsubscribed"),
                                          suppress("k5", "e@x.org", "hard_bounce")})
                     .error);

    EXPECT_THAT(emails_of(store_->list_suppressions({})),
                ElementsAre("a@x.org", "b@x.org", "c@x.org", "d@x.org", "e@x.org"));
    EXPECT_THAT(suppressed([](auto& f) { f.limit = 2; }), ElementsAre("a@x.org", "b@x.org"));
    EXPECT_THAT(suppressed([](auto& f) {
                    f.after_email = "b@x.org";
                    f.after_stream = "*";
                    f.limit = 2;
                }),
                ElementsAre("c@x.org", "d@x.org"));
    EXPECT_THAT(suppressed([](auto& f) { f.reason = "hard_bounce"; }),
                ElementsAre("a@x.org", "c@x.org", "e@x.org"));
    EXPECT_THAT(suppressed([](auto& f) {
                    f.reason = "hard_bounce";
                    f.after_email = "a@x.org";
                    f.after_stream = "*";
                    f.limit = 1;
                }),
                ElementsAre("c@x.org"));
    EXPECT_THAT(suppressed([](auto& f) { f.reason = "manual"; }), IsEmpty());
    auto first = suppressions([](auto& f) { f.limit = 1; });
    ASSERT_EQ(first.size(), 1u);
    expect_same(first[0], test::entry("a@x.org", "hard_bounce", "postal", base_time + 500));
}

TEST_P(StoreContract, CapsASuppressionPageAtOneThousand)
{
    std::vector<events::routed_event> batch;
    for (int i = 0; i < 1001; ++i) {
        auto n = std::to_string(i);
        batch.push_back(
            suppressing(routed("k" + n, event_kind::hard_bounce, n + "@x.org"), "hard_bounce"));
    }
    ASSERT_FALSE(apply_and_wait(*store_, batch).error);

    EXPECT_EQ(suppressions([](auto& f) { f.limit = 5000; }).size(), 1000u);
}

TEST_P(StoreContract, PutsFindsAndRemovesSuppressions)
{
    const auto manual = test::entry("a@x.org", "manual", "", base_time);
    const auto replaced = test::entry("a@x.org", "spam", "sendgrid", base_time + 1);

    store_->put_suppression(manual);
    auto found = test::found(*store_, "a@x.org");
    ASSERT_TRUE(found);
    expect_same(*found, manual);

    store_->put_suppression(replaced);
    found = test::found(*store_, "a@x.org");
    ASSERT_TRUE(found);
    expect_same(*found, replaced);
    EXPECT_EQ(store_->list_suppressions({}).size(), 1u);

    EXPECT_TRUE(test::lift_all(*store_, "a@x.org"));
    EXPECT_FALSE(test::found(*store_, "a@x.org"));
    EXPECT_FALSE(test::lift_all(*store_, "a@x.org"));
    EXPECT_FALSE(test::found(*store_, "nobody@x.org"));
}

TEST_P(StoreContract, FlushWaitsForEverySubmittedBatch)
{
    constexpr int batches = 100;
    std::atomic<int> done{0};
    for (int i = 0; i < batches; ++i) {
        store_->apply({routed("k" + std::to_string(i))},
                      [&](std::error_code, commit_result) { done.fetch_add(1); });
    }

    store_->flush();

    EXPECT_EQ(done.load(), batches);
    EXPECT_EQ(store_->pending(), 0u);
    EXPECT_EQ(all_events(*store_).size(), std::size_t{batches});
}

TEST_P(StoreContract, CountsPendingBatchesUntilCommitted)
{
    EXPECT_EQ(store_->pending(), 0u);
    {
        test::writer_gate gate(*store_);
        for (int i = 0; i < 5; ++i) {
            store_->apply({routed("k" + std::to_string(i))}, [](std::error_code, commit_result) {});
        }
        EXPECT_GE(store_->pending(), 5u);
    }
    store_->flush();

    EXPECT_EQ(store_->pending(), 0u);
}

TEST_P(StoreContract, CallsDoneOnAStorageThread)
{
    std::promise<std::thread::id> done;
    auto thread = done.get_future();

    store_->apply({routed("k1")}, [&done](std::error_code, commit_result) {
        done.set_value(std::this_thread::get_id());
    });

    EXPECT_NE(thread.get(), std::this_thread::get_id());
}

INSTANTIATE_TEST_SUITE_P(backend, StoreContract, test::all_backends(), test::name_of);
INSTANTIATE_TEST_SUITE_P(backend, StoreContractFilters, test::all_backends(), test::name_of);

} // namespace
} // namespace mailgate::core::storage
