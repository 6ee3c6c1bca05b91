#pragma once

/// The SMTP settings of a driver with MG_CAP_SMTP, read from the standard option set
/// (options.hpp) and checked once, in the driver's constructor, so a provider whose mail could
/// never go out fails when it is configured rather than at its first message.

#include <mailgate/sdk/config.hpp>
#include <mailgate/sdk/error.hpp>

#include <cstdint>
#include <string>

namespace mailgate::sdk {

struct smtp_settings {
    std::string host;
    std::int64_t port = 0;
    std::string scheme; ///< smtp, starttls or smtps
    std::string username;
};

/// Throws config_error when the scheme cannot work on a port whose TLS is fixed by convention
/// (RFC 8314): a STARTTLS client on 465 waits for a greeting that an implicit-TLS server never
/// sends in clear, and an implicit-TLS client on 587 or 25 sends a handshake to a server that
/// greets in clear. Either only times out, at the first send.
inline void check_port_and_scheme(std::int64_t port, const std::string& scheme)
{
    if (port == 465 && scheme != "smtps") {
        throw config_error("scheme", "port 465 is implicit TLS: use scheme: smtps, not '" + scheme +
                                         "' (or the provider's STARTTLS port, usually 587)");
    }
    if ((port == 587 || port == 25) && scheme == "smtps") {
        throw config_error("scheme", "port " + std::to_string(port) +
                                         " greets in clear and upgrades with STARTTLS: use "
                                         "scheme: starttls, not 'smtps' (or port 465)");
    }
}

/// Reads and checks host, port and scheme. Throws config_error naming the option at fault.
/// The password is left to the host, which does the sending and never hands secrets around
/// more than needed.
inline smtp_settings read_smtp_settings(const config_view& config)
{
    smtp_settings s;
    s.host = config.string("host");
    if (s.host.empty()) {
        throw config_error("host", "must not be empty");
    }
    s.port = config.integer("port");
    if (s.port < 1 || s.port > 65535) {
        throw config_error("port", "must be between 1 and 65535, not " + std::to_string(s.port));
    }
    s.scheme = config.string("scheme");
    if (s.scheme != "smtp" && s.scheme != "starttls" && s.scheme != "smtps") {
        throw config_error("scheme", "must be smtp, starttls or smtps, not '" + s.scheme + "'");
    }
    check_port_and_scheme(s.port, s.scheme);
    s.username = config.optional_string("username").value_or("");
    return s;
}

} // namespace mailgate::sdk
