#pragma once

// The suppression policy (docs/suppression.md): the configured rules, checked and compiled, and
// the decision each event gets from the first rule that matches it. Pure, so that the router
// stays pure and every rule is tested with a table of events.

#include "core/config/suppression_config.hpp"
#include "core/events/event.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailgate::core::events {

enum class policy_action { suppress, count, ignore, alert };

/// Which streams a suppression covers: the event's own (unsubscribes and complaints by
/// default), or every stream (what makes an address undeliverable).
enum class policy_scope { by_kind, stream, all };

struct policy_rule {
    std::string name;
    // What it matches; an empty list matches anything. An event without a reason matches no
    // rule that lists reasons.
    std::vector<event_kind> kinds;
    std::vector<reasons::reason> reasons;
    std::vector<std::string> providers;
    std::vector<std::string> streams;
    std::optional<bool> permanent;
    policy_action action = policy_action::ignore;
    policy_scope scope = policy_scope::by_kind;
    int64_t for_ms = 0; ///< 0: until lifted
    int64_t threshold = 0;
    int64_t window_ms = 0;
};

/// The rules used when the configuration has none: today's four kinds, the receiver refusing
/// the sender as an alert, and soft bounces that repeat.
std::vector<config::suppression_rule_config> default_rules();

class suppression_policy {
public:
    /// The default rules and streams.
    suppression_policy();
    /// Throws config::config_error listing every kind or reason the rules name that does not
    /// exist, each at its rule's position.
    explicit suppression_policy(const config::suppression_config& config);

    /// The stream an event belongs to: its message's (from the attribution token), or the
    /// default stream when it names none the configuration knows.
    std::string stream_of(const gateway_event& ev) const;

    /// The first rule that matches, or null.
    const policy_rule* match(const gateway_event& ev, std::string_view stream) const;

    /// Fills the routed event's suppression decision from its event.
    void decide(routed_event& routed) const;

    bool has_stream(std::string_view stream) const;
    const std::vector<std::string>& streams() const noexcept { return streams_; }
    const std::string& default_stream() const noexcept { return default_stream_; }
    const std::vector<policy_rule>& rules() const noexcept { return rules_; }

private:
    std::vector<std::string> streams_;
    std::string default_stream_;
    std::vector<policy_rule> rules_;
};

} // namespace mailgate::core::events
