// Servers that do not speak SMTP, or speak it to harm: the client must end with a clear error,
// within its timeouts and bounds, never hang or buffer without end.

#include "client_test_support.hpp"
#include "core/outbound/send_once.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

namespace mailgate::core::outbound {
namespace {

namespace asio = boost::asio;
using namespace test_support;
using ::testing::HasSubstr;
using tcp = asio::ip::tcp;

// Accepts one connection and sends `script[0]` at once, then `script[i]` after the i-th line
// it reads; after the script it reads on and says nothing.
class scripted_server {
public:
    explicit scripted_server(std::vector<std::string> script)
        : acceptor_(ioc_, {asio::ip::make_address("127.0.0.1"), 0})
    {
        asio::co_spawn(ioc_, serve(std::move(script)), asio::detached);
        thread_ = std::thread([this] { ioc_.run(); });
    }
    ~scripted_server()
    {
        ioc_.stop();
        thread_.join();
    }

    uint16_t port() const { return acceptor_.local_endpoint().port(); }

private:
    asio::awaitable<void> serve(std::vector<std::string> script)
    {
        auto socket = co_await acceptor_.async_accept(asio::use_awaitable);
        std::string input;
        for (std::size_t i = 0;; ++i) {
            if (i < script.size()) {
                co_await asio::async_write(socket, asio::buffer(script[i]), asio::use_awaitable);
            }
            const auto n = co_await asio::async_read_until(socket, asio::dynamic_buffer(input),
                                                           "\n", asio::use_awaitable);
            input.erase(0, n);
        }
    }

    asio::io_context ioc_;
    tcp::acceptor acceptor_;
    std::thread thread_;
};

send_outcome send_to(const scripted_server& server, smtp_scheme scheme = smtp_scheme::smtp)
{
    smtp_client_settings settings;
    settings.host = "127.0.0.1";
    settings.port = server.port();
    settings.scheme = scheme;
    settings.timeouts = test_timeouts(300ms);
    asio::io_context ioc;
    return run(ioc, send_once(settings, {"a@example.com", "b@example.com", false}, test_message(),
                              nullptr));
}

TEST(hostile_server, an_over_long_line_is_refused_without_waiting_for_its_end)
{
    scripted_server server({"220 " + std::string(100'000, 'x')});
    const auto outcome = send_to(server);
    EXPECT_EQ(outcome.failure, failure_class::connection_error);
    EXPECT_EQ(outcome.phase, "greeting");
    EXPECT_EQ(outcome.error, "a reply line longer than 2048 bytes");
}

TEST(hostile_server, garbage_is_named)
{
    scripted_server server({"HTTP/1.1 400 Bad Request\r\n\r\n"});
    const auto outcome = send_to(server);
    EXPECT_EQ(outcome.failure, failure_class::connection_error);
    EXPECT_FALSE(outcome.permanent);
    EXPECT_EQ(outcome.phase, "greeting");
    EXPECT_EQ(outcome.error, "malformed reply line from the server: \"HTTP/1.1 400 Bad Request\"");
}

TEST(hostile_server, binary_garbage_is_defused_in_the_error)
{
    scripted_server server({std::string("\x16\x03\x01\x00\xa5\r\n", 7)});
    const auto outcome = send_to(server);
    EXPECT_EQ(outcome.failure, failure_class::connection_error);
    EXPECT_THAT(outcome.error, HasSubstr("malformed reply line"));
    EXPECT_TRUE(std::none_of(outcome.error.begin(), outcome.error.end(),
                             [](char c) { return static_cast<unsigned char>(c) < 0x20; }));
}

TEST(hostile_server, a_reply_of_endless_lines_is_cut_off)
{
    std::string endless;
    for (int i = 0; i < 1000; ++i) {
        endless += "250-more\r\n";
    }
    scripted_server server({"220 hi\r\n", endless});
    const auto outcome = send_to(server);
    EXPECT_EQ(outcome.failure, failure_class::connection_error);
    EXPECT_EQ(outcome.phase, "ehlo");
    EXPECT_EQ(outcome.error, "a reply of more than 256 lines");
}

TEST(hostile_server, a_reply_that_never_finishes_times_out)
{
    scripted_server server({"220-hello\r\n220-still going"});
    const auto outcome = send_to(server);
    EXPECT_EQ(outcome.failure, failure_class::timeout);
    EXPECT_EQ(outcome.phase, "greeting");
    EXPECT_EQ(outcome.error, "no greeting within 300 ms");
}

// A server on the SMTPS port that accepts and then says nothing: the handshake is cut off by
// the connect timeout.
TEST(hostile_server, a_silent_server_on_the_smtps_port_times_out_in_the_handshake)
{
    scripted_server server({});
    const auto outcome = send_to(server, smtp_scheme::smtps);
    EXPECT_EQ(outcome.failure, failure_class::timeout);
    EXPECT_EQ(outcome.phase, "tls");
    EXPECT_EQ(outcome.error, "no TLS handshake within 300 ms");
}

TEST(hostile_server, data_sent_with_the_starttls_reply_is_refused)
{
    // Whatever rides along with the 220 came in clear: it must not be read as protected.
    scripted_server server(
        {"220 hi\r\n", "250-hi\r\n250 STARTTLS\r\n", "220 go ahead\r\n250-AUTH PLAIN\r\n"});
    const auto outcome = send_to(server, smtp_scheme::starttls);
    EXPECT_EQ(outcome.failure, failure_class::connection_error);
    EXPECT_EQ(outcome.phase, "starttls");
    EXPECT_EQ(outcome.error, "the server sent data after its reply to STARTTLS");
}

TEST(hostile_server, a_positive_reply_out_of_turn_is_a_failure)
{
    scripted_server server(
        {"220 hi\r\n", "250 hi\r\n", "250 ok\r\n", "250 ok\r\n", "250 not 354\r\n"});
    const auto outcome = send_to(server);
    EXPECT_EQ(outcome.failure, failure_class::dispatch_failed);
    EXPECT_FALSE(outcome.permanent);
    EXPECT_EQ(outcome.phase, "data");
    EXPECT_EQ(outcome.reply.str(), "250 not 354");
}

} // namespace
} // namespace mailgate::core::outbound
