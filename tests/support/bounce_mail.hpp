#pragma once

// Bounce mail for the tests of whatever takes it in: a DSN as Postfix writes one, with the
// recipient, action, status and diagnostic a test chooses and the returned headers it needs.

#include <string>

namespace mailgate::testing {

struct dsn_fields {
    std::string final_recipient = "jane.doe@example.net";
    std::string action = "failed";
    std::string status = "5.1.1";
    std::string diagnostic = "550 5.1.1 <jane.doe@example.net>: Recipient address rejected: "
                             "User unknown";
    /// The original's header fields, each line ending in CRLF.
    std::string returned_headers = "From: news@shop.example.com\r\n"
                                   "To: jane.doe@example.net\r\n"
                                   "Subject: Spring sale\r\n";
    std::string message_id = "<20261207.ABC@mx.example.org>"; ///< the bounce's own
};

inline std::string postfix_dsn(const dsn_fields& f = {})
{
    return "Return-Path: <>\r\n"
           "Message-ID: " +
           f.message_id +
           "\r\n"
           "From: MAILER-DAEMON@mx.example.org (Mail Delivery System)\r\n"
           "Subject: Undelivered Mail Returned to Sender\r\n"
           "Auto-Submitted: auto-replied\r\n"
           "MIME-Version: 1.0\r\n"
           "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n"
           "\r\n"
           "--B\r\n"
           "Content-Type: text/plain\r\n"
           "\r\n"
           "I'm sorry to have to inform you that your message could not be delivered.\r\n"
           "--B\r\n"
           "Content-Type: message/delivery-status\r\n"
           "\r\n"
           "Reporting-MTA: dns; mx.example.org\r\n"
           "\r\n"
           "Final-Recipient: rfc822; " +
           f.final_recipient + "\r\nAction: " + f.action + "\r\nStatus: " + f.status +
           "\r\nDiagnostic-Code: smtp; " + f.diagnostic +
           "\r\n"
           "\r\n"
           "--B\r\n"
           "Content-Type: text/rfc822-headers\r\n"
           "\r\n" +
           f.returned_headers +
           "\r\n"
           "--B--\r\n";
}

} // namespace mailgate::testing
