// The suppression policy (docs/suppression.md): every default rule, the streams a decision
// covers, and configured rules (their matching, order and actions), through the router as the
// gateway runs it. Windows and expiry are storage's: tests/unit/core/storage.

#include "core/config/config_error.hpp"
#include "core/events/router.hpp"
#include "core/events/suppression_policy.hpp"

#include <mailgate/sdk/abi.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace mailgate::core::events {
namespace {

using reasons::reason;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using sc = suppression_change;

constexpr int64_t day_ms = 86'400'000;

gateway_event event_of(event_kind kind, std::optional<reason> why = std::nullopt,
                       bool permanent = false, std::string stream = "")
{
    gateway_event ev;
    ev.provider = "esp";
    ev.kind = kind;
    ev.reason = why;
    ev.permanent = permanent;
    ev.email = "someone@example.com";
    ev.attributed.stream = std::move(stream);
    return ev;
}

struct expected_decision {
    std::string label;
    gateway_event ev;
    suppression_change change;
    std::string rule;
    std::string reason;
    std::string stream;
    int64_t for_ms = 0;
    int64_t threshold = 0;
    int64_t window_ms = 0;
    bool alert = false;
};

void expect(const suppression_policy& policy, const expected_decision& d)
{
    const auto r = route(d.ev, policy);
    EXPECT_EQ(r.suppression, d.change) << d.label;
    EXPECT_EQ(r.rule, d.rule) << d.label;
    EXPECT_EQ(r.suppression_reason, d.reason) << d.label;
    EXPECT_EQ(r.suppression_stream, d.stream) << d.label;
    EXPECT_EQ(r.suppress_for_ms, d.for_ms) << d.label;
    EXPECT_EQ(r.count_threshold, d.threshold) << d.label;
    EXPECT_EQ(r.count_window_ms, d.window_ms) << d.label;
    EXPECT_EQ(r.alert, d.alert) << d.label;
}

// What an operator gets without writing a rule: today's four kinds still suppress for good,
// a receiver refusing the sender never suppresses, and soft bounces that repeat do, for a while.
TEST(SuppressionPolicy, TheDefaultRulesDecideEachKindOfEvent)
{
    const suppression_policy policy;
    const std::vector<expected_decision> table{
        {"hard bounce: every stream, for good",
         event_of(event_kind::hard_bounce, reason::userunknown, true, "transactional"),
         sc::suppress, "hard-bounce", "hard_bounce", "*"},
        {"hard bounce without a reason: the ESP's word", event_of(event_kind::hard_bounce),
         sc::suppress, "hard-bounce", "hard_bounce", "*"},
        {"complaint: the stream it came from",
         event_of(event_kind::spam, reason::feedback, false, "marketing"), sc::suppress,
         "complaint", "spam", "marketing"},
        {"unsubscribe from a transactional message: that stream",
         event_of(event_kind::unsubscribed, std::nullopt, false, "transactional"), sc::suppress,
         "unsubscribe", "unsubscribed", "transactional"},
        {"unsubscribe whose message is unknown: the default stream",
         event_of(event_kind::unsubscribed), sc::suppress, "unsubscribe", "unsubscribed",
         "marketing"},
        {"permanent drop: every stream", event_of(event_kind::dropped, reason::suppressed, true),
         sc::suppress, "permanent-drop", "dropped", "*"},
        {"temporary drop: nothing", event_of(event_kind::dropped, reason::systemerror), sc::none,
         "", "", "*"},
        {"the ESP's list for a bounce: every stream",
         event_of(event_kind::list_sync, reason::userunknown, true), sc::suppress, "esp-list",
         "hard_bounce", "*"},
        {"the ESP's list for a complaint: the stream",
         event_of(event_kind::list_sync, reason::feedback, true, "marketing"), sc::suppress,
         "esp-list", "spam", "marketing"},
        {"full mailbox: 3 in 7 days suppress for 30",
         event_of(event_kind::soft_bounce, reason::mailboxfull), sc::count, "mailbox-full",
         "soft_bounce", "*", 30 * day_ms, 3, 7 * day_ms},
        {"other soft bounce: 5 in 14 days suppress for 30",
         event_of(event_kind::soft_bounce, reason::systemfull), sc::count, "repeated-soft-bounce",
         "soft_bounce", "*", 30 * day_ms, 5, 14 * day_ms},
        {"delivered: nothing", event_of(event_kind::delivered, reason::delivered), sc::none, "", "",
         "*"},
        {"opened: nothing", event_of(event_kind::opened), sc::none, "", "", "*"},
        {"deferred for a full mailbox: nothing",
         event_of(event_kind::deferred, reason::mailboxfull), sc::none, "", "", "*"},
    };
    for (const auto& d : table) {
        expect(policy, d);
    }
}

// The receiver refusing the sender (reputation, policy, content, pace) says nothing about the
// recipient: an alert, whatever kind the ESP gave it, never a suppression.
TEST(SuppressionPolicy, AReceiverRefusingTheSenderIsAnAlertNeverASuppression)
{
    const suppression_policy policy;
    for (const auto why : {reason::blocked, reason::badreputation, reason::policyviolation,
                           reason::spamdetected, reason::toomanyconn, reason::speeding}) {
        for (const auto kind :
             {event_kind::soft_bounce, event_kind::dropped, event_kind::deferred}) {
            const auto label = std::string(to_string(kind)) + "/" + std::string(to_string(why));
            expect(policy, {label, event_of(kind, why, true), sc::none, "sender-refused", "", "*",
                            0, 0, 0, true});
        }
    }
}

// A hard bounce for a reason that refuses the sender is settled to a soft bounce before the
// policy sees it (event_cause): through make_event, the whole way a callback takes.
TEST(SuppressionPolicy, AHardBounceThatRefusesTheSenderSuppressesNobody)
{
    plugin::driver_event e;
    e.kind = MG_EVENT_HARD_BOUNCE;
    e.email = "someone@example.com";
    e.reason = "blocked";
    e.description = "554 5.7.1 Service unavailable; client host blocked using Spamhaus";
    auto ev = make_event(e, "esp", "esp@1.0.0", 1'000);
    ASSERT_TRUE(ev);
    const auto r = route(*ev, suppression_policy());
    EXPECT_EQ(r.suppression, sc::none);
    EXPECT_TRUE(r.alert);
}

TEST(SuppressionPolicy, AResubscribeLiftsTheUnsubscribeOfItsStreamOnly)
{
    const suppression_policy policy;
    expect(policy,
           {"resubscribe", event_of(event_kind::resubscribed, std::nullopt, false, "transactional"),
            sc::lift, "resubscribe", "unsubscribed", "transactional"});
}

// An attribution token naming a stream the configuration no longer has: the default stream,
// not a stream nobody sends in.
TEST(SuppressionPolicy, AnUnknownStreamIsTheDefaultStream)
{
    const suppression_policy policy;
    EXPECT_EQ(policy.stream_of(event_of(event_kind::spam, std::nullopt, false, "gone")),
              "marketing");
    EXPECT_EQ(policy.stream_of(event_of(event_kind::spam, std::nullopt, false, "transactional")),
              "transactional");
}

config::suppression_rule_config rule(std::string name, std::vector<std::string> kinds,
                                     std::string action)
{
    config::suppression_rule_config r;
    r.name = std::move(name);
    r.where = "test.yaml:1:1";
    r.kinds = std::move(kinds);
    r.action = std::move(action);
    return r;
}

// Rules are tried in order and the first that matches decides: a narrow rule before a broad one.
TEST(SuppressionPolicy, TheFirstMatchingRuleDecides)
{
    config::suppression_config c;
    auto transactional_bounces = rule("keep-transactional", {"hard_bounce"}, "ignore");
    transactional_bounces.streams = {"transactional"};
    auto noisy_esp = rule("noisy-esp", {"hard_bounce"}, "count");
    noisy_esp.providers = {"noisy"};
    noisy_esp.threshold = 2;
    noisy_esp.window = std::chrono::hours(24);
    auto temporary = rule("temporary", {"hard_bounce"}, "suppress");
    temporary.duration = std::chrono::hours(24 * 90);
    auto own_stream = rule("spam-everywhere", {"spam"}, "suppress");
    own_stream.scope = "all";
    c.rules = {transactional_bounces, noisy_esp, temporary, own_stream};
    const suppression_policy policy(c);

    auto noisy = event_of(event_kind::hard_bounce, reason::userunknown, true, "marketing");
    noisy.provider = "noisy";
    expect(policy, {"ignored in its stream",
                    event_of(event_kind::hard_bounce, reason::userunknown, true, "transactional"),
                    sc::none, "keep-transactional", "", "*"});
    expect(policy, {"counted for one provider", noisy, sc::count, "noisy-esp", "hard_bounce", "*",
                    0, 2, 86'400'000});
    expect(policy, {"suppressed for 90 days",
                    event_of(event_kind::hard_bounce, reason::userunknown, true, "marketing"),
                    sc::suppress, "temporary", "hard_bounce", "*", 90 * day_ms});
    expect(policy, {"scope all for a complaint",
                    event_of(event_kind::spam, reason::feedback, false, "marketing"), sc::suppress,
                    "spam-everywhere", "spam", "*"});
    expect(policy, {"no rule: nothing", event_of(event_kind::unsubscribed), sc::none, "", "", "*"});
}

TEST(SuppressionPolicy, RulesMatchOnReasonAndPermanence)
{
    config::suppression_config c;
    auto full = rule("full-now", {"soft_bounce"}, "suppress");
    full.reasons = {"mailboxfull"};
    auto drops = rule("any-drop", {"dropped"}, "suppress");
    drops.permanent = false;
    c.rules = {full, drops};
    const suppression_policy policy(c);
    expect(policy, {"reason listed", event_of(event_kind::soft_bounce, reason::mailboxfull),
                    sc::suppress, "full-now", "soft_bounce", "*"});
    expect(policy, {"reason not listed", event_of(event_kind::soft_bounce, reason::systemfull),
                    sc::none, "", "", "*"});
    expect(policy, {"no reason never matches a list of reasons", event_of(event_kind::soft_bounce),
                    sc::none, "", "", "*"});
    expect(policy, {"permanent: false matches a temporary drop",
                    event_of(event_kind::dropped, reason::systemerror, false), sc::suppress,
                    "any-drop", "dropped", "*"});
    expect(policy,
           {"and not a permanent one", event_of(event_kind::dropped, reason::systemerror, true),
            sc::none, "", "", "*"});
}

// check-config and serve refuse rules naming kinds or reasons that do not exist, each at its
// rule's place in the file, all at once.
TEST(SuppressionPolicy, UnknownKindsAndReasonsAreRefusedWithTheirRule)
{
    config::suppression_config c;
    auto bad = rule("typos", {"hardbounce"}, "suppress");
    bad.reasons = {"mailbox_full"};
    c.rules = {bad};
    try {
        suppression_policy policy(c);
        FAIL() << "accepted";
    } catch (const config::config_error& e) {
        ASSERT_THAT(e.problems(), SizeIs(2));
        EXPECT_THAT(e.problems()[0], AllOf(HasSubstr("test.yaml:1:1"), HasSubstr("typos.kind"),
                                           HasSubstr("'hardbounce'")));
        EXPECT_THAT(e.problems()[1], AllOf(HasSubstr("typos.reason"), HasSubstr("mailbox_full")));
    }
}

// The defaults are rules like any other: they compile, and an operator can copy them.
TEST(SuppressionPolicy, TheDefaultRulesAreValidConfiguration)
{
    config::suppression_config c;
    c.rules = default_rules();
    const suppression_policy policy(c);
    EXPECT_EQ(policy.rules().size(), default_rules().size());
    EXPECT_EQ(policy.rules().front().name, "sender-refused");
}

} // namespace
} // namespace mailgate::core::events
