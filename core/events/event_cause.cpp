#include "core/events/event_cause.hpp"

#include "core/reasons/reply_classifier.hpp"

namespace mailgate::core::events {
namespace {

using reasons::reason;

bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

// Reasons that say why a delivery did not happen; on the kinds below, a driver's "delivered"
// or "feedback" would contradict the kind and is derived again.
bool is_failure(reason r)
{
    return r != reason::delivered && r != reason::feedback && r != reason::vacation;
}

} // namespace

int32_t reply_code_of(std::string_view description) noexcept
{
    if (description.starts_with("smtp;")) {
        description.remove_prefix(5);
    }
    while (!description.empty() && description.front() == ' ') {
        description.remove_prefix(1);
    }
    if (description.size() < 3 || description[0] < '2' || description[0] > '5' ||
        !is_digit(description[1]) || !is_digit(description[2]) ||
        (description.size() > 3 && description[3] != ' ' && description[3] != '-')) {
        return 0;
    }
    return (description[0] - '0') * 100 + (description[1] - '0') * 10 + (description[2] - '0');
}

event_cause cause_of(event_kind kind, const plugin::driver_event& e)
{
    event_cause out;
    out.smtp_code = e.smtp_code != 0 ? e.smtp_code : reply_code_of(e.description);
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
