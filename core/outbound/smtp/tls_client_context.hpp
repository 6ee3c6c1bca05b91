#pragma once

// TLS for the SMTP client: TLS 1.2 at least, the peer verified against the system store or the
// operator's CA file, and its certificate checked against the host name we dialled.

#include "core/outbound/smtp/smtp_client_settings.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>

#include <string>

namespace mailgate::core::outbound::smtp {

/// Throws std::runtime_error naming the CA file that cannot be loaded.
boost::asio::ssl::context make_tls_client_context(const smtp_client_settings& settings);

/// SNI (for a host name, not an address) and host-name verification when `verify` is set.
/// Call before the handshake.
void prepare_tls_client(boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>& stream,
                        const std::string& host, bool verify);

/// Why a handshake failed, naming the certificate problem when verification was the cause:
/// "certificate verify failed: self-signed certificate".
std::string describe_tls_failure(boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>& stream,
                                 const boost::system::error_code& ec);

} // namespace mailgate::core::outbound::smtp
