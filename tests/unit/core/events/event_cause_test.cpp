// The host's completion of an event's cause, and the rules the router applies with it, for the
// events of drivers that say the reason (ABI 1.2) and of those that do not.

#include "core/events/event_cause.hpp"
#include "core/events/router.hpp"

#include <mailgate/sdk/abi.h>

#include <gtest/gtest.h>

namespace mailgate::core::events {
namespace {

using reasons::reason;

plugin::driver_event driver_event_of(int32_t kind, std::string description,
                                     std::string reason_name = "")
{
    plugin::driver_event e;
    e.kind = kind;
    e.email = "someone@example.com";
    e.description = std::move(description);
    e.reason = std::move(reason_name);
    return e;
}

routed_event routed(const plugin::driver_event& e)
{
    auto ev = make_event(e, "esp", "test@1.0.0", 1'700'000'000'000);
    EXPECT_TRUE(ev.has_value());
    return route(std::move(*ev), suppression_policy());
}

TEST(EventCause, TheDriversReasonWinsWhenItIsATaxonomyName)
{
    const auto c =
        cause_of(event_kind::soft_bounce, driver_event_of(MG_EVENT_SOFT_BOUNCE, "", "mailboxfull"));
    EXPECT_EQ(c.reason, reason::mailboxfull);
}

TEST(EventCause, AnUnknownOrMissingReasonIsDerivedFromTheDescription)
{
    const auto e = driver_event_of(MG_EVENT_HARD_BOUNCE,
                                   "550 5.1.1 <a@example.com>: Recipient address rejected: User "
                                   "unknown in local recipient table",
                                   "no-such-reason");
    const auto c = cause_of(event_kind::hard_bounce, e);
    EXPECT_EQ(c.reason, reason::userunknown);
    EXPECT_EQ(c.smtp_code, 550);
    EXPECT_EQ(c.status, "5.1.1");
}

TEST(EventCause, TheDriversCodesAreKept)
{
    auto e = driver_event_of(MG_EVENT_SOFT_BOUNCE, "over quota");
    e.smtp_code = 452;
    e.status = "4.2.2";
    const auto c = cause_of(event_kind::soft_bounce, e);
    EXPECT_EQ(c.smtp_code, 452);
    EXPECT_EQ(c.status, "4.2.2");
    EXPECT_EQ(c.reason, reason::mailboxfull);
}

TEST(EventCause, KindsWithoutAFailureHaveTheirOwnReasonOrNone)
{
    EXPECT_EQ(cause_of(event_kind::delivered, driver_event_of(MG_EVENT_DELIVERED, "250 OK")).reason,
              reason::delivered);
    EXPECT_EQ(cause_of(event_kind::spam, driver_event_of(MG_EVENT_SPAM, "")).reason,
              reason::feedback);
    for (const auto kind : {event_kind::opened, event_kind::clicked, event_kind::unsubscribed,
                            event_kind::resubscribed, event_kind::processed}) {
        EXPECT_EQ(cause_of(kind, driver_event_of(1, "550 5.1.1 user unknown")).reason, std::nullopt)
            << to_string(kind);
    }
}

TEST(EventCause, AHardBounceWithoutAnythingToGoOnIsOnHold)
{
    const auto c = cause_of(event_kind::hard_bounce,
                            driver_event_of(MG_EVENT_HARD_BOUNCE, "Hard bounce detected"));
    EXPECT_EQ(c.reason, reason::onhold);
    EXPECT_EQ(cause_of(event_kind::hard_bounce, driver_event_of(MG_EVENT_HARD_BOUNCE, "")).reason,
              reason::undefined);
}

TEST(SettledKind, AHardBounceIsHardOnlyForAnAddressReason)
{
    EXPECT_EQ(settled_kind(event_kind::hard_bounce, reason::userunknown), event_kind::hard_bounce);
    EXPECT_EQ(settled_kind(event_kind::hard_bounce, reason::hostunknown), event_kind::hard_bounce);
    EXPECT_EQ(settled_kind(event_kind::hard_bounce, reason::notaccept), event_kind::hard_bounce);
    EXPECT_EQ(settled_kind(event_kind::hard_bounce, reason::badreputation),
              event_kind::soft_bounce);
    EXPECT_EQ(settled_kind(event_kind::hard_bounce, reason::mailboxfull), event_kind::soft_bounce);
    EXPECT_EQ(settled_kind(event_kind::hard_bounce, reason::onhold), event_kind::hard_bounce);
    EXPECT_EQ(settled_kind(event_kind::hard_bounce, std::nullopt), event_kind::hard_bounce);
    EXPECT_EQ(settled_kind(event_kind::soft_bounce, reason::userunknown), event_kind::soft_bounce);
}

// The case through the router: a legacy or 1.1 hard bounce that is the receiver refusing
// the sender must not suppress the recipient.
TEST(Router, AHardBounceForPoorReputationIsSoftAndSuppressesNobody)
{
    const auto r = routed(
        driver_event_of(MG_EVENT_HARD_BOUNCE, "550 5.7.1 Message rejected due to poor reputation"));
    EXPECT_EQ(r.ev.kind, event_kind::soft_bounce);
    EXPECT_EQ(r.ev.reason, reason::badreputation);
    EXPECT_EQ(r.suppression, suppression_change::none);
    ASSERT_EQ(r.system_events.size(), 1u);
    EXPECT_EQ(r.system_events[0].property, "soft bounce");
}

TEST(Router, AHardBounceForAnUnknownUserSuppresses)
{
    const auto r = routed(driver_event_of(MG_EVENT_HARD_BOUNCE, "550 5.1.1 user unknown"));
    EXPECT_EQ(r.ev.kind, event_kind::hard_bounce);
    EXPECT_EQ(r.ev.reason, reason::userunknown);
    EXPECT_EQ(r.ev.smtp_code, 550);
    EXPECT_EQ(r.ev.status, "5.1.1");
    EXPECT_EQ(r.suppression, suppression_change::suppress);
    EXPECT_EQ(r.suppression_reason, "hard_bounce");
}

TEST(Router, APermanentDenyListAdditionSuppressesAndOthersDoNot)
{
    auto hard = driver_event_of(MG_EVENT_LIST_SYNC, "", "userunknown");
    hard.flags = MG_EVENT_FLAG_PERMANENT;
    EXPECT_EQ(routed(hard).suppression, suppression_change::suppress);
    EXPECT_EQ(routed(hard).suppression_reason, "hard_bounce");
    auto spam = driver_event_of(MG_EVENT_LIST_SYNC, "", "feedback");
    spam.flags = MG_EVENT_FLAG_PERMANENT;
    EXPECT_EQ(routed(spam).suppression_reason, "spam");
    EXPECT_EQ(routed(driver_event_of(MG_EVENT_LIST_SYNC, "added by hand")).suppression,
              suppression_change::none);
}

TEST(Router, TheRemoteMtaIsKept)
{
    auto e = driver_event_of(MG_EVENT_DEFERRED, "451 4.3.5 Temporarily unavailable");
    e.remote_mta = "mx.example.com";
    const auto r = routed(e);
    EXPECT_EQ(r.ev.remote_mta, "mx.example.com");
    EXPECT_EQ(r.ev.reason, reason::systemerror);
}

} // namespace
} // namespace mailgate::core::events
