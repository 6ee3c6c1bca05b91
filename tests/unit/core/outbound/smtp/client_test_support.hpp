#pragma once

// What the SMTP client tests share: running a coroutine to its end, settings that point at a
// test server, and one trusted certificate for the whole run.

#include "core/outbound/smtp/smtp_client_settings.hpp"
#include "tests/support/smtp_test_server.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <chrono>
#include <string>
#include <utility>

namespace mailgate::core::outbound::smtp::test_support {

using namespace std::chrono_literals;

/// Runs `op` on `ioc` until it and everything it started are done.
template <class T>
T run(boost::asio::io_context& ioc, boost::asio::awaitable<T> op)
{
    auto result = boost::asio::co_spawn(ioc, std::move(op), boost::asio::use_future);
    ioc.run();
    ioc.restart();
    return result.get();
}

/// The certificate of the servers for "localhost" and 127.0.0.1, trusted through `ca_file`.
inline const mailgate::testing::test_certificate& localhost_certificate()
{
    static const auto certificate = mailgate::testing::make_test_certificate();
    return certificate;
}

inline mailgate::testing::smtp_server_options server_options(mailgate::testing::smtp_mode mode)
{
    mailgate::testing::smtp_server_options options;
    options.mode = mode;
    options.certificate = localhost_certificate();
    return options;
}

/// Timeouts long enough never to fire on a loaded machine unless the server stalls; tests of
/// stalls shorten the one they test.
inline smtp_timeouts test_timeouts(std::chrono::milliseconds limit = 5s)
{
    smtp_timeouts timeouts;
    timeouts.connect = timeouts.greeting = timeouts.command = limit;
    timeouts.data_init = timeouts.data_block = timeouts.data_end = limit;
    return timeouts;
}

inline smtp_client_settings settings_for(const mailgate::testing::smtp_test_server& server,
                                         smtp_scheme scheme)
{
    smtp_client_settings settings;
    settings.host = "localhost";
    settings.port = server.port();
    settings.scheme = scheme;
    settings.ca_file = localhost_certificate().certificate.string();
    settings.timeouts = test_timeouts();
    return settings;
}

inline std::string test_message(std::string body = "Hello.\r\n")
{
    return "From: sender@example.com\r\nTo: rcpt@example.com\r\nSubject: test\r\n\r\n" + body;
}

} // namespace mailgate::core::outbound::smtp::test_support
