#include "core/smtp_server/reply_text.hpp"

#include <fmt/format.h>

#include <ctime>

namespace mailgate::core::smtp_server {
namespace {

// RFC 5322 §3.3, in UTC: the C locale's names are the RFC's.
std::string rfc5322_date(std::chrono::system_clock::time_point t)
{
    const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char text[64];
    const auto n = std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S +0000", &utc);
    return std::string(text, n);
}

} // namespace

std::string ehlo_reply(std::string_view host_name, std::size_t max_message_size, bool offer_tls)
{
    std::string r = fmt::format("250-{}\r\n", host_name);
    r += "250-PIPELINING\r\n";
    r += fmt::format("250-SIZE {}\r\n", max_message_size);
    r += "250-8BITMIME\r\n";
    r += "250-SMTPUTF8\r\n";
    if (offer_tls) {
        r += "250-STARTTLS\r\n";
    }
    r += "250 ENHANCEDSTATUSCODES\r\n";
    return r;
}

std::string trace_header(const trace_fields& f)
{
    // The names come from parsed commands, which hold no control characters: no header
    // injection.
    return fmt::format("Return-Path: <{}>\r\n"
                       "Received: from {} ([{}])\r\n"
                       "\tby {} (mailgate) with {};\r\n"
                       "\t{}\r\n",
                       f.reverse_path, f.helo_name, f.remote_address, f.host_name,
                       f.tls ? "ESMTPS" : "ESMTP", rfc5322_date(f.received));
}

} // namespace mailgate::core::smtp_server
