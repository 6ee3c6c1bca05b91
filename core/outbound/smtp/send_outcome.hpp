#pragma once

// How one attempt to send a message ended.

#include "core/outbound/smtp/failure_class.hpp"
#include "core/outbound/smtp/smtp_reply.hpp"

#include <string>

namespace mailgate::core::outbound::smtp {

struct send_outcome {
    failure_class failure = failure_class::none;
    bool permanent = false; ///< when failed: 5xx; transient: 4xx, connection errors, timeouts
    /// Where it ended: connect, tls, greeting, ehlo, starttls, auth, mail, rcpt, data, data_end,
    /// or "sent".
    std::string phase;
    /// The server's last reply: the 250 after the data on success, the refusal otherwise;
    /// code 0 when there was none.
    smtp_reply reply;
    /// For connection errors, TLS and timeouts: what happened, e.g. "certificate verify
    /// failed: self-signed certificate" or "no reply to RCPT within 300 s".
    std::string error;
    /// From the final 250: the id after "queued as", else the reply text after the enhanced
    /// code.
    std::string provider_message_id;
    std::string tls_version, tls_cipher; ///< empty when not TLS

    bool ok() const noexcept { return failure == failure_class::none; }
};

/// The id a server gave the message it accepted, as `send_outcome::provider_message_id`.
std::string provider_message_id(const smtp_reply& accepted);

} // namespace mailgate::core::outbound::smtp
