#pragma once

// The "send a test email" path: one connection, one message, then QUIT, with the conversation
// recorded for the operator.

#include "core/outbound/smtp/envelope.hpp"
#include "core/outbound/smtp/send_outcome.hpp"
#include "core/outbound/smtp/smtp_client_settings.hpp"
#include "core/outbound/smtp/transcript_line.hpp"

#include <boost/asio/awaitable.hpp>

#include <string_view>
#include <vector>

namespace mailgate::core::outbound::smtp {

/// Sends `data` (RFC 5322 text with CRLF, not dot-stuffed) on a connection of its own, then
/// QUITs. When `transcript` is given, appends the conversation to it: AUTH credentials
/// redacted ("AUTH PLAIN ****", each line of AUTH LOGIN "****"), the message not recorded, only
/// "<N bytes>". LIFETIME: the arguments outlive the returned awaitable. Runs on the executor of
/// the coroutine that awaits it.
boost::asio::awaitable<send_outcome> send_once(const smtp_client_settings& settings,
                                               const envelope& env, std::string_view data,
                                               std::vector<transcript_line>* transcript);

} // namespace mailgate::core::outbound::smtp
