#include "core/events/suppression_policy.hpp"

#include "core/config/config_error.hpp"

#include <algorithm>
#include <chrono>

namespace mailgate::core::events {
namespace {

using namespace std::chrono_literals;
using days = std::chrono::days;

config::suppression_rule_config rule(std::string name, std::vector<std::string> kinds,
                                     std::string action)
{
    config::suppression_rule_config r;
    r.name = std::move(name);
    r.where = "default rule '" + r.name + "'";
    r.kinds = std::move(kinds);
    r.action = std::move(action);
    return r;
}

config::suppression_rule_config count_rule(std::string name, std::vector<std::string> reasons,
                                           int64_t threshold, days window, days duration)
{
    auto r = rule(std::move(name), {"soft_bounce"}, "count");
    r.reasons = std::move(reasons);
    r.threshold = threshold;
    r.window = window;
    r.duration = duration;
    return r;
}

template <class T, class U>
bool listed(const std::vector<T>& list, const U& value)
{
    return list.empty() || std::find(list.begin(), list.end(), value) != list.end();
}

// What the entry says it is for.
std::string reason_of(const gateway_event& ev)
{
    if (ev.kind == event_kind::list_sync) {
        return ev.reason == reasons::reason::feedback ? "spam" : "hard_bounce";
    }
    return std::string(to_string(ev.kind));
}

// An opt-out (an unsubscribe, a complaint) is about what the recipient was sent; the rest
// make the address undeliverable, whatever is sent to it.
bool opts_out(const gateway_event& ev)
{
    return ev.kind == event_kind::unsubscribed || ev.kind == event_kind::spam ||
           (ev.kind == event_kind::list_sync && ev.reason == reasons::reason::feedback);
}

std::string scoped_stream(const policy_rule& rule, const gateway_event& ev, std::string stream)
{
    const bool own =
        rule.scope == policy_scope::stream || (rule.scope == policy_scope::by_kind && opts_out(ev));
    return own ? stream : std::string(all_streams);
}

class compiler {
public:
    policy_rule compile(const config::suppression_rule_config& in)
    {
        policy_rule out;
        out.name = in.name;
        for (const auto& name : in.kinds) {
            if (auto kind = parse_event_kind(name)) {
                out.kinds.push_back(*kind);
            } else {
                problems_.push_back(in.where + ": suppression.rules." + in.name + ".kind: '" +
                                    name + "' is not an event kind (docs/events.md)");
            }
        }
        for (const auto& name : in.reasons) {
            if (auto reason = reasons::parse_reason(name)) {
                out.reasons.push_back(*reason);
            } else {
                problems_.push_back(in.where + ": suppression.rules." + in.name + ".reason: '" +
                                    name + "' is not a reason (docs/events.md)");
            }
        }
        out.providers = in.providers;
        out.streams = in.streams;
        out.permanent = in.permanent;
        out.action = in.action == "suppress" ? policy_action::suppress
                     : in.action == "count"  ? policy_action::count
                     : in.action == "alert"  ? policy_action::alert
                                             : policy_action::ignore;
        out.scope = in.scope == "stream" ? policy_scope::stream
                    : in.scope == "all"  ? policy_scope::all
                                         : policy_scope::by_kind;
        out.for_ms = in.duration.count();
        out.threshold = in.threshold;
        out.window_ms = in.window.count();
        return out;
    }

    const std::vector<std::string>& problems() const { return problems_; }

private:
    std::vector<std::string> problems_;
};

} // namespace

std::vector<config::suppression_rule_config> default_rules()
{
    auto sender_refused =
        rule("sender-refused", {"deferred", "soft_bounce", "hard_bounce", "dropped"}, "alert");
    sender_refused.reasons = {"blocked",      "badreputation", "policyviolation",
                              "spamdetected", "toomanyconn",   "speeding"};
    auto dropped = rule("permanent-drop", {"dropped"}, "suppress");
    dropped.permanent = true;
    auto esp_list = rule("esp-list", {"list_sync"}, "suppress");
    esp_list.permanent = true;
    return {sender_refused,
            rule("hard-bounce", {"hard_bounce"}, "suppress"),
            rule("complaint", {"spam"}, "suppress"),
            rule("unsubscribe", {"unsubscribed"}, "suppress"),
            dropped,
            esp_list,
            count_rule("mailbox-full", {"mailboxfull", "exceedlimit"}, 3, days(7), days(30)),
            count_rule("repeated-soft-bounce", {}, 5, days(14), days(30))};
}

suppression_policy::suppression_policy() : suppression_policy(config::suppression_config{}) {}

suppression_policy::suppression_policy(const config::suppression_config& config)
    : streams_(config.streams), default_stream_(config.default_stream)
{
    compiler c;
    for (const auto& r : config.rules.value_or(default_rules())) {
        rules_.push_back(c.compile(r));
    }
    if (!c.problems().empty()) {
        throw config::config_error(c.problems());
    }
}

bool suppression_policy::has_stream(std::string_view stream) const
{
    return std::find(streams_.begin(), streams_.end(), stream) != streams_.end();
}

std::string suppression_policy::stream_of(const gateway_event& ev) const
{
    return has_stream(ev.attributed.stream) ? ev.attributed.stream : default_stream_;
}

const policy_rule* suppression_policy::match(const gateway_event& ev, std::string_view stream) const
{
    for (const auto& r : rules_) {
        if (listed(r.kinds, ev.kind) && listed(r.providers, ev.provider) &&
            listed(r.streams, stream) &&
            (r.reasons.empty() || (ev.reason && listed(r.reasons, *ev.reason))) &&
            (!r.permanent || *r.permanent == ev.permanent)) {
            return &r;
        }
    }
    return nullptr;
}

void suppression_policy::decide(routed_event& routed) const
{
    const auto& ev = routed.ev;
    const auto stream = stream_of(ev);
    if (ev.kind == event_kind::resubscribed) {
        // A resubscribe undoes an unsubscribe of its stream only, never a bounce or a complaint.
        routed.suppression = suppression_change::lift;
        routed.suppression_reason = "unsubscribed";
        routed.suppression_stream = stream;
        routed.rule = "resubscribe";
        return;
    }
    const auto* r = match(ev, stream);
    if (r == nullptr) {
        return;
    }
    routed.rule = r->name;
    switch (r->action) {
    case policy_action::ignore:
        return;
    case policy_action::alert:
        routed.alert = true;
        return;
    case policy_action::count:
        routed.suppression = suppression_change::count;
        routed.count_threshold = r->threshold;
        routed.count_window_ms = r->window_ms;
        break;
    case policy_action::suppress:
        routed.suppression = suppression_change::suppress;
        break;
    }
    routed.suppression_reason = reason_of(ev);
    routed.suppression_stream = scoped_stream(*r, ev, stream);
    routed.suppress_for_ms = r->for_ms;
}

} // namespace mailgate::core::events
