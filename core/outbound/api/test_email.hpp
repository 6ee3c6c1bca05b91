#pragma once

// "Send a test email": one short message through a provider, on a connection of its own, with
// the whole SMTP conversation recorded (credentials redacted), so an operator setting up a
// provider sees exactly where and why it fails. Shared by the API and `mailgate send-test`.

#include "core/outbound/api/message_composer.hpp"
#include "core/outbound/smtp/send_outcome.hpp"
#include "core/outbound/smtp/transcript_line.hpp"
#include "core/storage/store.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <optional>
#include <vector>

namespace mailgate::core::outbound::api {

struct test_email_result {
    std::string provider;
    std::string message_id;
    std::string from;
    std::string to;
    smtp::send_outcome outcome;
    std::vector<smtp::transcript_line> transcript;
};

/// Builds and sends the test message. Throws request_error when it cannot be built (no from
/// address, say). Never queues anything.
boost::asio::awaitable<test_email_result>
send_test_email(const delivery::sending_provider& provider, const message_composer& composer,
                request::recipient to, std::optional<mime::mailbox> from);

/// Why a test message is not sent to a suppressed recipient, unless the operator says so:
/// "the recipient x@y.example is suppressed (reason: manual)".
std::string suppressed_refusal(const addressing::address& to, const storage::suppression& s);

/// `{"ok", "provider", "from", "to", "phase", "reply", "provider_message_id", "tls": {"version",
/// "cipher"}, "error": {"class", "detail", "hint"}, "transcript": [{"from", "text"}]}`.
boost::json::object to_json(const test_email_result& result);

} // namespace mailgate::core::outbound::api
