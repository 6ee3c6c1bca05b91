#include "core/events/event_cause.hpp"

#include "core/reasons/reply_classifier.hpp"

namespace mailgate::core::events {
namespace {

using reasons::reason;

// Reasons that say why a delivery did not happen; on the kinds below, a driver's "delivered"
// or "feedback" would contradict the kind and is derived again.
bool is_failure(reason r)
{
    return r != reason::delivered && r != reason::feedback && r != reason::vacation;
}

} // namespace

event_cause cause_of(event_kind kind, const plugin::driver_event& e)
{
    event_cause out;
    out.smtp_code = e.smtp_code != 0 ? e.smtp_code : reasons::reply_code_of(e.description);
    out.status = !e.status.empty() ? e.status : std::string(reasons::find_status(e.description));
    const auto given = reasons::parse_reason(e.reason);
    switch (kind) {
    case event_kind::delivered:
        out.reason = reason::delivered;
        break;
    case event_kind::spam:
        out.reason = reason::feedback;
        break;
    case event_kind::deferred:
    case event_kind::soft_bounce:
    case event_kind::hard_bounce:
    case event_kind::dropped:
        out.reason = given && is_failure(*given)
                         ? *given
                         : reasons::classify({out.smtp_code, out.status, e.description}).why;
        break;
    case event_kind::list_sync:
        out.reason = given;
        break;
    default:
        break;
    }
    return out;
}

event_kind settled_kind(event_kind kind, std::optional<reason> why)
{
    if (kind != event_kind::hard_bounce || !why || *why == reason::undefined ||
        *why == reason::onhold) {
        return kind;
    }
    return reasons::is_hard(*why, true) ? kind : event_kind::soft_bounce;
}

} // namespace mailgate::core::events
