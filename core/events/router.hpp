#pragma once

// The event router's policy: from what a driver emitted to the event the gateway stores and
// everything it changes (system events, suppression). Pure: no I/O, so every rule is tested
// on its own; storage applies the result atomically and at most once.

#include "core/events/event.hpp"
#include "core/events/suppression_policy.hpp"
#include "core/plugin/parsed_callback.hpp"

#include <optional>
#include <string>

namespace mailgate::core::attribution {
class meta_codec;
}

namespace mailgate::core::events {

/// The idempotency key: "id:" + the provider's event id, or "sha256:" + a hash of the event's
/// content as the provider sent it (so a retried batch maps to the same keys even when the
/// provider left the time out and the gateway filled it in).
std::string event_key(const plugin::driver_event& e);

/// Builds the stored event from a driver's event, its email in the canonical form
/// (addressing::canonical_email). `received_at` is Unix milliseconds. Nothing when the email is
/// not an address parse_address takes (the caller reports the item as unprocessed).
std::optional<gateway_event> make_event(const plugin::driver_event& e, const std::string& provider,
                                        const std::string& driver, int64_t received_at);

/// Derives the system events, and the suppression change that `policy` decides
/// (docs/suppression.md).
routed_event route(gateway_event ev, const suppression_policy& policy);

/// Routes every event of a parsed callback. An event whose email is not an address moves to
/// `result.rejected` as "invalid email", like any item the gateway cannot use.
/// Events carrying an attribution token that `codec` verifies get its fields.
std::vector<routed_event> route_callback(plugin::parsed_callback& result,
                                         const std::string& provider, const std::string& driver,
                                         int64_t received_at,
                                         const core::attribution::meta_codec* codec,
                                         const suppression_policy& policy);

} // namespace mailgate::core::events
