#pragma once

// A bare SMTP client for the tests of the test server: it sends exactly the bytes a test
// gives it and reads replies with a deadline, so a server that never answers fails the test
// instead of hanging it.

#include "tests/support/test_certificate.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mailgate::testing {

/// THREAD: one thread at a time.
class raw_smtp_client {
public:
    /// Connects to 127.0.0.1:`port`; with `tls`, does the TLS handshake at once (smtps).
    explicit raw_smtp_client(uint16_t port, const test_certificate* tls = nullptr,
                             std::string host = "localhost");

    void send(std::string_view bytes);
    /// Sends `line` and CRLF, and returns the reply.
    std::string command(std::string_view line);
    /// The next whole reply, its lines joined with "\n", without CRLF. Throws on timeout or
    /// when the connection ends first.
    std::string reply(std::chrono::milliseconds timeout = std::chrono::seconds(5));
    /// Nothing when no reply came within `timeout`.
    std::optional<std::string> try_reply(std::chrono::milliseconds timeout);
    /// True when the server closed the connection within `timeout` (with nothing more sent).
    bool closed_by_server(std::chrono::milliseconds timeout = std::chrono::seconds(5));

    /// The TLS handshake, trusting only `trusted` and checking the name `host`. Throws
    /// boost::system::system_error when verification or the handshake fails.
    void start_tls(const test_certificate& trusted, const std::string& host = "localhost");

private:
    enum class read_result { line, timeout, closed };

    read_result read_line(std::string& line, std::chrono::milliseconds timeout);
    void handshake(const test_certificate& trusted, const std::string& host);

    boost::asio::io_context io_;
    boost::asio::ssl::context tls_context_{boost::asio::ssl::context::tls_client};
    boost::asio::ssl::stream<boost::asio::ip::tcp::socket> stream_;
    bool tls_ = false;
    std::string buffer_;
};

} // namespace mailgate::testing
