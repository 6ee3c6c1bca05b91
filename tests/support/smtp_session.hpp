#pragma once

// One client connection of the test SMTP server, from accept to close.

#include "tests/support/smtp_server_state.hpp"
#include "tests/support/smtp_test_server.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

namespace mailgate::testing {

/// Serves one connection until QUIT, a `drop` fault, or the client leaving; a `stall` fault
/// suspends it until its io_context is destroyed, which closes the socket.
/// LIFETIME: `options`, `tls` and `state` outlive the coroutine.
boost::asio::awaitable<void> serve_smtp_session(boost::asio::ip::tcp::socket socket,
                                                const smtp_server_options& options,
                                                boost::asio::ssl::context& tls,
                                                smtp_server_state& state);

} // namespace mailgate::testing
