#pragma once

// Why an event happened, completed by the host: a driver of ABI 1.2 may say the reason, the SMTP
// reply code and the enhanced status code; a 1.1 driver, the v2 and legacy formats and many ESP
// events say only a kind and a description. The host reads the rest from those with the one
// reply classifier, so every event that a refusal caused carries a reason, whoever sent it.

#include "core/events/event.hpp"
#include "core/plugin/parsed_callback.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace mailgate::core::events {

struct event_cause {
    std::optional<reasons::reason> reason;
    int32_t smtp_code = 0;
    std::string status;
};

/// The cause of an event of `kind`: the driver's reason when it names one of the taxonomy, else
/// the one the codes and the description give, for the kinds a delivery outcome causes
/// (deliveries, deferrals, bounces, drops) and for complaints (`feedback`); none for the rest.
/// The reply code and status are the driver's, or read from the description.
event_cause cause_of(event_kind kind, const plugin::driver_event& e);

/// The kind once the reason is known: a hard bounce whose reason is known and says nothing
/// final about the address (a full mailbox, the receiver refusing the sender) is a soft bounce,
/// so that it neither reads as an invalid recipient nor suppresses one. A hard bounce whose
/// reason is unknown stays hard: the ESP's word is all there is.
event_kind settled_kind(event_kind kind, std::optional<reasons::reason> reason);

} // namespace mailgate::core::events
