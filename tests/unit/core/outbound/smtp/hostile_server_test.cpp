// Servers that do not speak SMTP, or speak it to harm: the client must end with a clear error,
// within its timeouts and bounds, never hang or buffer without end.

#include "client_test_support.hpp"
#include "core/encoding/base64.hpp"
#include "core/outbound/smtp/send_once.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

namespace mailgate::core::outbound::smtp {
namespace {

namespace asio = boost::asio;
using namespace test_support;
using ::testing::HasSubstr;
using ::testing::Not;
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

send_outcome send_to(const scripted_server& server, smtp_scheme scheme = smtp_scheme::smtp,
                     const std::string& username = "",
                     std::vector<transcript_line>* transcript = nullptr)
{
    smtp_client_settings settings;
    settings.host = "127.0.0.1";
    settings.port = server.port();
    settings.scheme = scheme;
    settings.timeouts = test_timeouts(300ms);
    settings.username = username;
    settings.password = username.empty() ? "" : "s3cret-Pa55";
    asio::io_context ioc;
    return run(ioc, send_once(settings, {"a@example.com", "b@example.com", false}, test_message(),
                              transcript));
}

std::string all_text(const std::vector<transcript_line>& transcript)
{
    std::string text;
    for (const auto& line : transcript) {
        text += line.text + "\n";
    }
    return text;
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

// A CR, an escape sequence or a C1 control in a reply would forge lines in the text log and
// drive the terminal that shows a send-test transcript.
TEST(hostile_server, control_characters_in_a_reply_are_escaped_wherever_it_goes)
{
    scripted_server server({"220 hi\r\n", "250 hi\r\n",
                            "550 5.7.1 no\r2024-01-01 INFO forged\x1b[2J\xc2\x9b"
                            "31m\r\n"});
    std::vector<transcript_line> transcript;
    const auto outcome = send_to(server, smtp_scheme::smtp, "", &transcript);
    ASSERT_EQ(outcome.phase, "mail");
    const auto controls = [](const std::string& text) {
        return std::any_of(text.begin(), text.end(), [](char c) {
            const auto b = static_cast<unsigned char>(c);
            return b < 0x20 || b == 0x7f || b == 0x9b;
        });
    };
    EXPECT_EQ(outcome.reply.str(), "550 5.7.1 no\\x0D2024-01-01 INFO forged\\x1B[2J\\xC2\\x9B31m");
    for (const auto& line : transcript) {
        EXPECT_FALSE(controls(line.text)) << line.text;
    }
    EXPECT_THAT(all_text(transcript), HasSubstr("forged\\x1B[2J"));
}

// A server that echoes AUTH's argument must not put the credentials in last_reply, the
// transcript or the log.
TEST(hostile_server, a_reply_echoing_auth_plain_shows_no_credentials)
{
    const auto token =
        encoding::base64_encode(std::string(1, '\0') + "user@example.com" + '\0' + "s3cret-Pa55");
    scripted_server server(
        {"220 hi\r\n", "250-hi\r\n250 AUTH PLAIN\r\n",
         "535-5.7.8 bad: AUTH PLAIN " + token + "\r\n535 5.7.8 (" + token + ")\r\n"});
    std::vector<transcript_line> transcript;
    const auto outcome = send_to(server, smtp_scheme::smtp, "user@example.com", &transcript);
    ASSERT_EQ(outcome.phase, "auth");
    EXPECT_EQ(outcome.reply.str(), "535 5.7.8 bad: AUTH PLAIN **** (****)");
    EXPECT_THAT(all_text(transcript), Not(HasSubstr(token)));
    EXPECT_THAT(all_text(transcript), HasSubstr("535 5.7.8 (****)"));
}

TEST(hostile_server, a_reply_echoing_auth_login_shows_no_credentials)
{
    const auto user = encoding::base64_encode("user@example.com");
    const auto password = encoding::base64_encode("s3cret-Pa55");
    scripted_server server({"220 hi\r\n", "250-hi\r\n250 AUTH LOGIN\r\n", "334 VXNlcm5hbWU6\r\n",
                            "334 got " + user + "\r\n",
                            "535-5.7.8 " + user + " with " + password + "\r\n535 5.7.8 no\r\n"});
    std::vector<transcript_line> transcript;
    const auto outcome = send_to(server, smtp_scheme::smtp, "user@example.com", &transcript);
    ASSERT_EQ(outcome.phase, "auth");
    EXPECT_EQ(outcome.reply.str(), "535 5.7.8 **** with **** no");
    const auto text = all_text(transcript);
    EXPECT_THAT(text, Not(HasSubstr(user)));
    EXPECT_THAT(text, Not(HasSubstr(password)));
    EXPECT_THAT(text, HasSubstr("334 got ****"));
}

} // namespace
} // namespace mailgate::core::outbound::smtp
