#pragma once

// Amazon SES notifications delivered as mail (through SNS e-mail subscriptions): a JSON body
// with "notificationType" Bounce, Complaint or Delivery, the SNS envelope's "Message" string
// around it or not. Read by a small scanner for the few fields needed, not a JSON library: the
// bounce library depends on nothing but reasons and GMime.

#include "core/bounces/bounce_result.hpp"

#include <optional>
#include <string_view>

namespace mailgate::core::bounces {

/// The notification in `text`, or nothing when `text` holds none.
std::optional<bounce_result> read_ses_notification(std::string_view text);

} // namespace mailgate::core::bounces
