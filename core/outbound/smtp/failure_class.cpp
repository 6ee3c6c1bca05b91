#include "core/outbound/smtp/failure_class.hpp"

namespace mailgate::core::outbound::smtp {
namespace {

// 553 5.7.1 "sender not owned by user" is a policy refusal, not a bad address: the enhanced
// code, when there is one, says which.
bool names_the_address(const smtp_reply& reply, std::string_view phase)
{
    if (reply.enhanced.starts_with("5.1.")) {
        return true;
    }
    const bool address_command = phase == "mail" || phase == "rcpt";
    return address_command && (reply.code == 501 || reply.code == 553) && reply.enhanced.empty();
}

} // namespace

std::string_view describe(failure_class c)
{
    switch (c) {
    case failure_class::none:
        return "SMTP sent";
    case failure_class::invalid_address:
        return "SMTP invalid email ID";
    case failure_class::dispatch_failed:
        return "SMTP dispatching failed";
    case failure_class::connection_error:
        return "SMTP connection error";
    case failure_class::timeout:
        return "SMTP timeout";
    case failure_class::suppressed:
        return "recipient suppressed";
    }
    return "SMTP failure";
}

std::string_view hint(failure_class c)
{
    switch (c) {
    case failure_class::none:
        return "";
    case failure_class::invalid_address:
        return "Check the recipient and sender addresses: the server refused one as unknown or "
               "malformed.";
    case failure_class::dispatch_failed:
        return "Read the provider's reply: check the username and password (an app password "
               "where the provider requires one), the sender's permissions and the provider's "
               "limits.";
    case failure_class::connection_error:
        return "Check the host, port and scheme (smtps for 465, starttls for 587), that no "
               "firewall blocks the connection, and that the server's TLS certificate is valid "
               "for the host name.";
    case failure_class::timeout:
        return "The server did not answer in time: check that the host and port lead to an SMTP "
               "server and that no firewall silently drops the traffic, then retry.";
    case failure_class::suppressed:
        return "The recipient is on the suppression list (GET /v1/suppressions/{email} says why); "
               "nothing is sent to it while it is.";
    }
    return "";
}

reply_failure classify(const smtp_reply& reply, std::string_view phase)
{
    if (reply.kind() != 5) {
        return {failure_class::dispatch_failed, false};
    }
    if (names_the_address(reply, phase)) {
        return {failure_class::invalid_address, true};
    }
    return {failure_class::dispatch_failed, true};
}

} // namespace mailgate::core::outbound::smtp
