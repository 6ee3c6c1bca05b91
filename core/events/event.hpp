#pragma once

// The common event model (docs/architecture.md): one event per provider event, whatever the
// driver, and what the router derives from it.

#include "core/attribution/meta_fields.hpp"
#include "core/reasons/reason.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailgate::core::events {

/// The latest time the gateway takes, in Unix seconds: 9999-12-31T23:59:59Z. Times past it (in
/// milliseconds) would not fit the ISO 8601 form, and larger ones not an int64_t.
inline constexpr int64_t max_unix_seconds = 253402300799;

enum class event_kind {
    delivered,
    deferred,
    soft_bounce,
    hard_bounce,
    dropped,
    spam,
    unsubscribed,
    resubscribed,
    opened,
    clicked,
    processed,
    list_sync,
};

/// How many kinds there are; arrays indexed by kind are sized by it.
inline constexpr std::size_t event_kind_count = static_cast<std::size_t>(event_kind::list_sync) + 1;

/// "hard_bounce", ... : the name used in storage, the API and metrics.
std::string_view to_string(event_kind kind) noexcept;
std::optional<event_kind> parse_event_kind(std::string_view name) noexcept;
/// The kind for an ABI MG_EVENT_* value.
std::optional<event_kind> from_abi(int32_t kind) noexcept;

/// An event as the gateway stores it (the SDK's `sdk::event` is what a driver emits).
struct gateway_event {
    std::string provider; ///< the provider's nickname
    std::string driver;   ///< "id@version"
    event_kind kind = event_kind::delivered;
    bool permanent = false;     ///< for drops: the cause is permanent
    std::string email;          ///< normalised (trimmed, lower-case)
    int64_t occurred_at_ms = 0; ///< Unix milliseconds
    int64_t received_at_ms = 0; ///< Unix milliseconds
    std::string meta;           ///< the token as received, or empty
    attribution::meta_fields attributed;
    std::string description;
    std::string provider_event_id; ///< as the provider gave it, or empty
    /// The idempotency key: the provider's event id, or a hash of the event's content.
    std::string event_key;
    std::string detail_json; ///< a JSON object, or empty
    /// Why (docs/events.md): the driver's reason, or the one the host derived; none for kinds
    /// no reason applies to (opens, clicks, unsubscribes).
    std::optional<reasons::reason> reason;
    int32_t smtp_code = 0;  ///< the SMTP reply code behind the event, or 0
    std::string status;     ///< the enhanced status code ("5.1.1"), or empty
    std::string remote_mta; ///< the receiving server, as the ESP named it, or empty
};

/// A system event the router derives ("Notification Failed", "Channel Unsubscribed").
struct system_event {
    std::string name;
    std::string property; ///< the error (Notification Failed) or type (Channel Unsubscribed)
    std::string reason;   ///< the provider's description
};

enum class suppression_change {
    none,
    suppress, ///< at once (for `suppress_for_ms`, or until lifted)
    lift,     ///< the address's entry for `suppression_reason` in the stream goes
    count,    ///< one more event for the rule's counter; suppresses once it reaches the threshold
};

/// The stream name that covers every stream: what a bounce that makes the address undeliverable
/// suppresses.
inline constexpr std::string_view all_streams = "*";

/// An event with everything it changes; storage applies it all, or nothing when the event is
/// a duplicate. The suppression fields are the policy's decision (docs/suppression.md).
struct routed_event {
    gateway_event ev;
    std::vector<system_event> system_events;
    suppression_change suppression = suppression_change::none;
    /// What the entry says: "hard_bounce", "spam", "unsubscribed", "dropped", "soft_bounce".
    std::string suppression_reason;
    /// The stream suppressed or lifted, or all_streams.
    std::string suppression_stream{all_streams};
    /// The rule that decided (its name), recorded in the address's history; empty: none.
    std::string rule;
    /// suppress and count: how long the suppression lasts from the event's receipt; 0: until
    /// lifted.
    int64_t suppress_for_ms = 0;
    /// count: the events matching `rule` within `count_window_ms` of each other (by occurred_at)
    /// that suppress.
    int64_t count_threshold = 0;
    int64_t count_window_ms = 0;
    /// The receiver refused the sender (its reputation, policy or content): counted per provider
    /// and receiving domain, never a suppression.
    bool alert = false;
};

} // namespace mailgate::core::events
