#include "core/outbound/delivery/attempt_outcome.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace mailgate::core::outbound::delivery {
namespace {

using namespace std::chrono_literals;
using storage::delivery_state;
using ::testing::HasSubstr;

constexpr int64_t created = 1'700'000'000'000;

storage::queued_message queued()
{
    storage::queued_message m;
    m.id = "msg-1";
    m.provider = "relay";
    m.campaign_id = "spring";
    m.mail_from = "news@shop.example";
    m.recipient = "Gone@Example.com";
    m.attempts = 1;
    m.created_at = created;
    return m;
}

smtp::send_outcome refused(int code, std::string enhanced, std::string phase, smtp::failure_class c,
                           bool permanent)
{
    smtp::send_outcome o;
    o.failure = c;
    o.permanent = permanent;
    o.phase = std::move(phase);
    o.reply.code = code;
    o.reply.enhanced = std::move(enhanced);
    o.reply.lines = {"refused"};
    return o;
}

class AttemptOutcome : public ::testing::Test {
protected:
    storage::delivery_outcome outcome(const smtp::send_outcome& sent, int64_t now = created + 1'000,
                                      storage::queued_message m = queued())
    {
        return outcome_of(m, sent, "smtp@1.0.0", now, policy_, suppression_, random_);
    }

    retry_policy policy_{1min, 1h, 72h};
    events::suppression_policy suppression_;
    std::mt19937_64 random_{7};
};

TEST_F(AttemptOutcome, AcceptedMeansSentWithTheProvidersId)
{
    smtp::send_outcome ok;
    ok.phase = "sent";
    ok.reply = {250, "2.0.0", {"Ok: queued as 4XYZ"}};
    ok.provider_message_id = "4XYZ";
    auto o = outcome(ok);
    EXPECT_EQ(o.state, delivery_state::sent);
    EXPECT_EQ(o.provider_message_id, "4XYZ");
    EXPECT_EQ(o.last_reply, "250 2.0.0 Ok: queued as 4XYZ");
    EXPECT_TRUE(o.failure.empty());
    EXPECT_TRUE(o.events.empty());
    EXPECT_EQ(o.id, "msg-1");
}

TEST_F(AttemptOutcome, ARecipientRefusedForGoodIsAnInBandHardBounce)
{
    auto o = outcome(refused(550, "5.1.1", "rcpt", smtp::failure_class::invalid_address, true));
    EXPECT_EQ(o.state, delivery_state::failed);
    EXPECT_EQ(o.failure, "SMTP invalid email ID");
    ASSERT_EQ(o.events.size(), 1u);
    const auto& bounce = o.events[0];
    EXPECT_EQ(bounce.ev.kind, events::event_kind::hard_bounce);
    EXPECT_EQ(bounce.ev.email, "gone@example.com");
    EXPECT_EQ(bounce.ev.provider, "relay");
    EXPECT_EQ(bounce.ev.attributed.message_id, "msg-1");
    EXPECT_EQ(bounce.ev.attributed.campaign_id, "spring");
    EXPECT_EQ(bounce.ev.description, "550 5.1.1 refused");
    EXPECT_EQ(bounce.ev.reason, reasons::reason::userunknown);
    EXPECT_EQ(bounce.ev.smtp_code, 550);
    EXPECT_EQ(bounce.ev.status, "5.1.1");
    EXPECT_EQ(bounce.suppression, events::suppression_change::suppress);
    ASSERT_FALSE(bounce.system_events.empty());
    EXPECT_EQ(bounce.system_events[0].name, "Notification Failed");
    EXPECT_EQ(outcome(refused(550, "5.1.1", "rcpt", smtp::failure_class::invalid_address, true))
                  .events[0]
                  .ev.event_key,
              bounce.ev.event_key)
        << "recording the same refusal twice is a duplicate, not a second bounce";
}

TEST_F(AttemptOutcome, ARefusalOfTheSenderAtRcptIsASoftBounceThatSuppressesNobody)
{
    smtp::send_outcome sent =
        refused(550, "5.7.1", "rcpt", smtp::failure_class::dispatch_failed, true);
    sent.reply.lines = {"Message rejected due to poor reputation"};
    auto o = outcome(sent);
    EXPECT_EQ(o.state, delivery_state::failed);
    ASSERT_EQ(o.events.size(), 1u);
    const auto& bounce = o.events[0];
    EXPECT_EQ(bounce.ev.kind, events::event_kind::soft_bounce);
    EXPECT_EQ(bounce.ev.reason, reasons::reason::badreputation);
    EXPECT_EQ(bounce.ev.smtp_code, 550);
    EXPECT_EQ(bounce.ev.status, "5.7.1");
    EXPECT_EQ(bounce.suppression, events::suppression_change::none);
}

TEST_F(AttemptOutcome, APermanentRefusalOfTheMessageFailsItWithoutABounce)
{
    auto o = outcome(refused(554, "5.7.1", "data_end", smtp::failure_class::dispatch_failed, true));
    EXPECT_EQ(o.state, delivery_state::failed);
    EXPECT_EQ(o.failure, "SMTP dispatching failed");
    EXPECT_EQ(o.last_reply, "554 5.7.1 refused");
    EXPECT_TRUE(o.events.empty()) << "a refused message is not a bad address";
}

TEST_F(AttemptOutcome, TransientFailuresAreDeferredByTheRetryPolicy)
{
    const int64_t now = created + 1'000;
    auto o =
        outcome(refused(451, "4.3.0", "mail", smtp::failure_class::dispatch_failed, false), now);
    EXPECT_EQ(o.state, delivery_state::deferred);
    EXPECT_GE(o.next_attempt_at, now + 30'000);
    EXPECT_LE(o.next_attempt_at, now + 60'000);
    EXPECT_TRUE(o.events.empty());
}

TEST_F(AttemptOutcome, AConnectionErrorRecordsWhatHappened)
{
    smtp::send_outcome o;
    o.failure = smtp::failure_class::connection_error;
    o.phase = "connect";
    o.error = "Connection refused";
    auto r = outcome(o);
    EXPECT_EQ(r.state, delivery_state::deferred);
    EXPECT_EQ(r.failure, "SMTP connection error");
    EXPECT_EQ(r.last_reply, "Connection refused");
}

TEST_F(AttemptOutcome, ATransientFailureAtTheMaximumAgeGivesUp)
{
    smtp::send_outcome o;
    o.failure = smtp::failure_class::timeout;
    o.phase = "greeting";
    o.error = "no greeting within 300 s";
    auto r = outcome(o, created + 72 * 3'600'000LL);
    EXPECT_EQ(r.state, delivery_state::failed);
    EXPECT_EQ(r.failure, "SMTP timeout");
    EXPECT_THAT(r.last_reply, HasSubstr("maximum age"));
}

} // namespace
} // namespace mailgate::core::outbound::delivery
