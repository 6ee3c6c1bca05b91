#pragma once

// The texts of the listener's multi-part replies and of the trace it adds to each message.

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace mailgate::core::smtp_server {

/// The EHLO reply, CR LF ended: the extensions this listener speaks, STARTTLS when `offer_tls`.
/// No enhanced status code: RFC 2034 leaves them out of the greeting and EHLO replies.
std::string ehlo_reply(std::string_view host_name, std::size_t max_message_size, bool offer_tls);

struct trace_fields {
    std::string_view reverse_path; ///< empty: the null sender
    std::string_view helo_name;
    std::string_view remote_address;
    std::string_view host_name;
    bool tls = false;
    std::chrono::system_clock::time_point received;
};

/// `Return-Path:` and `Received:` (RFC 5321 §4.4), CR LF ended, for the top of the message.
std::string trace_header(const trace_fields& f);

} // namespace mailgate::core::smtp_server
