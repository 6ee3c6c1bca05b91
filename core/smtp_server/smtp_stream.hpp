#pragma once

// A client connection's bytes, in the clear until STARTTLS and through TLS after it (RFC 3207):
// one type for both, so the session reads and writes without caring which.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>
#include <utility>

namespace mailgate::core::smtp_server {

/// Every operation's time is the caller's to bound (a socket_watchdog on socket()). NOT
/// thread-safe: one operation of each direction at a time, on the socket's executor.
class smtp_stream {
public:
    explicit smtp_stream(boost::asio::ip::tcp::socket socket);

    boost::asio::ip::tcp::socket& socket() noexcept { return socket_; }
    bool tls() const noexcept { return tls_.has_value(); }

    boost::asio::awaitable<std::pair<boost::system::error_code, std::size_t>>
    read_some(std::span<char> buffer);
    boost::asio::awaitable<boost::system::error_code> write(std::string_view bytes);

    /// The server side of the TLS handshake; from then on every read and write goes through it.
    boost::asio::awaitable<boost::system::error_code> start_tls(boost::asio::ssl::context& context);

    /// The TLS close_notify, or the end of our sending; then reads to the client's end, so that
    /// a client still sending gets our last reply before the close rather than a reset.
    boost::asio::awaitable<void> shutdown();

private:
    boost::asio::ip::tcp::socket socket_;
    std::optional<boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>> tls_; // after socket_
};

} // namespace mailgate::core::smtp_server
