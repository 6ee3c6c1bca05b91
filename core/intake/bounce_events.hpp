#pragma once

// A classified bounce mail as the events the router stores, like any webhook's: a failed
// recipient is a hard or soft bounce (a delay a deferral) with the reason, codes and the
// remote server's words; an abuse complaint is `spam`, an opt-out `unsubscribed`. Pure: the
// caller classifies, attributes and stores.

#include "core/bounces/bounce_result.hpp"
#include "core/events/event.hpp"
#include "core/events/suppression_policy.hpp"
#include "core/intake/bounce_attribution.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mailgate::core::intake {

/// Events of bounce mail name this provider when no message ties them to the one that sent it.
inline constexpr std::string_view unattributed_provider = "bounce-mail";

struct bounce_source {
    /// How the message came in: "smtp", "imap:<mailbox>", "api", "cli".
    std::string channel;
    /// What makes a second copy of the same bounce the same (bounce_key).
    std::string key;
    int64_t received_at_ms = 0;
};

/// The routed events of `bounce` (none for auto-replies, "delivered" reports, ordinary mail,
/// and complaints of a kind that is not about the recipient). Each event's key is the same for
/// every copy of the same bounce mail, so storing a copy again stores nothing.
/// An unattributed event is stored but suppresses nobody unless `suppress_unattributed`; the
/// others do what `policy` decides.
std::vector<events::routed_event> bounce_events(const bounces::bounce_result& bounce,
                                                const bounce_attribution& attributed,
                                                const bounce_source& source,
                                                bool suppress_unattributed,
                                                const events::suppression_policy& policy);

/// What stays the same when the same bounce arrives again, hashed: its Message-ID and body (the
/// trace fields each hop adds at the top differ).
std::string bounce_key(std::string_view raw);

/// The addresses in the bounce's own Delivered-To, X-Original-To, Envelope-to and To fields, where
/// a mailbox behind the bounce domain keeps the return path a bounce was sent to.
std::vector<std::string> outer_recipients(std::string_view raw);

} // namespace mailgate::core::intake
