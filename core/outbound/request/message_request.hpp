#pragma once

// The body of POST /v1/messages (docs/sending.md), parsed and checked before anything is
// queued: a request is taken whole or refused whole, with the field at fault named.

#include "core/outbound/mime/mailbox.hpp"
#include "core/outbound/mime/mime_message.hpp"

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mailgate::core::outbound::request {

/// A request the gateway refuses (400); what() starts with the field: "to[2].address: ...".
class request_error : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

struct recipient {
    mime::mailbox to;
    std::string profile; ///< the caller's id for the recipient, echoed in attribution; or empty
};

struct message_request {
    std::string provider;
    std::optional<mime::mailbox> from; ///< nothing: the provider's default
    std::vector<recipient> to;         ///< at least one, at most max_recipients
    std::string subject;
    std::string text;
    std::string html;
    std::string campaign_id;
    /// The stream it is sent in; empty: the configured default. The name's form is checked
    /// here, whether the configuration knows it by the API.
    std::string stream;
    std::vector<std::pair<std::string, std::string>> headers;
    std::vector<mime::attachment> attachments;
};

inline constexpr std::size_t max_recipients = 1000;

/// Throws request_error. THREAD: any.
message_request parse_message_request(std::string_view body);

} // namespace mailgate::core::outbound::request
