#pragma once

// What one attempt means for the queue: sent, deferred until the retry policy says, or failed;
// and, for a recipient refused for good at RCPT, the in-band hard bounce, routed like any
// bounce an ESP reports later, so suppression and "Notification Failed" do not depend on which
// way the bounce came.

#include "core/events/suppression_policy.hpp"
#include "core/outbound/delivery/retry_policy.hpp"
#include "core/outbound/smtp/send_outcome.hpp"
#include "core/storage/queued_message.hpp"

#include <random>
#include <string>

namespace mailgate::core::outbound::delivery {

/// `driver`: the provider's driver label ("id@version"), recorded on the bounce event.
/// `now`: Unix ms. The bounce's suppression is what `suppression` decides.
storage::delivery_outcome outcome_of(const storage::queued_message& message,
                                     const smtp::send_outcome& sent, const std::string& driver,
                                     int64_t now, const retry_policy& policy,
                                     const events::suppression_policy& suppression,
                                     std::mt19937_64& random);

} // namespace mailgate::core::outbound::delivery
