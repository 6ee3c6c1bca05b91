#include "core/outbound/delivery/attempt_outcome.hpp"

#include "core/addressing/address.hpp"
#include "core/events/router.hpp"
#include "core/reasons/reply_classifier.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace mailgate::core::outbound::delivery {
namespace {

events::routed_event in_band_bounce(const storage::queued_message& message,
                                    const std::string& email, const smtp::send_outcome& sent,
                                    const std::string& driver, int64_t now,
                                    const events::suppression_policy& suppression)
{
    // A refusal at RCPT is a bounce, but a hard one only when it says the address is bad: the
    // receiver refusing the sender (reputation, policy, a blocklist) says nothing about it.
    const std::string reply = sent.reply.str();
    const auto cause = reasons::classify({sent.reply.code, sent.reply.enhanced, reply});
    events::gateway_event ev;
    ev.provider = message.provider;
    ev.driver = driver;
    ev.kind = cause.hard ? events::event_kind::hard_bounce : events::event_kind::soft_bounce;
    ev.permanent = true;
    ev.reason = cause.why;
    ev.smtp_code = sent.reply.code;
    ev.status = sent.reply.enhanced;
    ev.email = email;
    ev.occurred_at_ms = now;
    ev.received_at_ms = now;
    ev.attributed = {message.id, message.campaign_id, ev.email, message.stream};
    ev.description = reply;
    // One refusal per message: the key makes a recorded outcome replayed after a crash a
    // duplicate rather than a second bounce.
    ev.event_key = "smtp-rcpt:" + message.id;
    ev.detail_json = boost::json::serialize(boost::json::object{
        {"phase", sent.phase}, {"smtp_code", sent.reply.code}, {"enhanced", sent.reply.enhanced}});
    return events::route(std::move(ev), suppression);
}

bool refused_recipient(const smtp::send_outcome& sent)
{
    return sent.permanent && sent.phase == "rcpt" && sent.reply.kind() == 5;
}

std::string reply_or_error(const smtp::send_outcome& sent)
{
    return sent.reply.code != 0 ? sent.reply.str() : sent.error;
}

} // namespace

storage::delivery_outcome outcome_of(const storage::queued_message& message,
                                     const smtp::send_outcome& sent, const std::string& driver,
                                     int64_t now, const retry_policy& policy,
                                     const events::suppression_policy& suppression,
                                     std::mt19937_64& random)
{
    storage::delivery_outcome out;
    out.id = message.id;
    out.at = now;
    out.last_reply = reply_or_error(sent);
    if (sent.ok()) {
        out.state = storage::delivery_state::sent;
        out.provider_message_id = sent.provider_message_id;
        return out;
    }
    out.failure = std::string(describe(sent.failure));
    if (sent.permanent) {
        out.state = storage::delivery_state::failed;
        const auto email = addressing::canonical_email(message.recipient);
        if (refused_recipient(sent) && email) {
            out.events.push_back(in_band_bounce(message, *email, sent, driver, now, suppression));
        }
        return out;
    }
    if (auto next = policy.next_attempt(message.attempts, message.created_at, now, random)) {
        out.state = storage::delivery_state::deferred;
        out.next_attempt_at = *next;
    } else {
        out.state = storage::delivery_state::failed;
        out.last_reply += " (gave up: the message reached its maximum age)";
    }
    return out;
}

} // namespace mailgate::core::outbound::delivery
