// Servers that do not speak IMAP, or speak it to harm: the client ends with an imap_error,
// within its timeout and bounds, never a crash, a hang or a buffer without end.

#include "core/imap/imap_client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <exception>
#include <future>
#include <thread>

namespace mailgate::core::imap {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using tcp = asio::ip::tcp;

// Accepts one connection and sends `script[0]` at once, then `script[i]` after the i-th line
// it reads; after the script it closes when `close_after` is set, else reads on, silent.
class scripted_server {
public:
    explicit scripted_server(std::vector<std::string> script, bool close_after = false)
        : acceptor_(ioc_, {asio::ip::make_address("127.0.0.1"), 0})
    {
        asio::co_spawn(ioc_, serve(std::move(script), close_after), asio::detached);
        thread_ = std::thread([this] { ioc_.run(); });
    }
    ~scripted_server()
    {
        ioc_.stop();
        thread_.join();
    }

    uint16_t port() const { return acceptor_.local_endpoint().port(); }
    /// Every line the client sent.
    std::string received() const
    {
        std::lock_guard lock(mutex_);
        return received_;
    }

private:
    asio::awaitable<void> serve(std::vector<std::string> script, bool close_after)
    {
        auto socket = co_await acceptor_.async_accept(asio::use_awaitable);
        std::string input;
        for (std::size_t i = 0;; ++i) {
            if (i < script.size()) {
                co_await asio::async_write(socket, asio::buffer(script[i]), asio::use_awaitable);
            }
            if (close_after && i + 1 >= script.size()) {
                co_return; // the socket closes with the coroutine
            }
            const auto n = co_await asio::async_read_until(socket, asio::dynamic_buffer(input),
                                                           "\n", asio::use_awaitable);
            {
                std::lock_guard lock(mutex_);
                received_ += input.substr(0, n);
            }
            input.erase(0, n);
        }
    }

    asio::io_context ioc_;
    tcp::acceptor acceptor_;
    std::thread thread_;
    mutable std::mutex mutex_;
    std::string received_;
};

config::bounce_mailbox_config config_for(const scripted_server& server)
{
    config::bounce_mailbox_config c;
    c.name = "hostile";
    c.host = "127.0.0.1";
    c.port = server.port();
    c.security = config::imap_security::none;
    c.user = "user";
    c.timeout = 300ms;
    c.max_message_size = 1000;
    return c;
}

// Connects, logs in, selects INBOX and fetches UID 1: the error of the first step that failed,
// or empty.
std::string session_error(const scripted_server& server, const std::string& password = "pw")
{
    asio::io_context ioc;
    imap_client client(ioc.get_executor(), config_for(server));
    std::string error;
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
            co_await client.connect();
            co_await client.login("user", password);
            co_await client.select("INBOX");
            co_await client.fetch(1);
        },
        [&](std::exception_ptr e) {
            client.abort(); // its watchdog's timer would keep run() going
            try {
                if (e) {
                    std::rethrow_exception(e);
                }
            } catch (const imap_error& failure) {
                error = failure.what();
            } catch (const std::exception& other) {
                error = std::string("not an imap_error: ") + other.what();
            }
        });
    ioc.run();
    return error;
}

const std::string greeting = "* OK [CAPABILITY IMAP4rev1 IDLE] ready\r\n";
const std::string logged_in = "m1 OK [CAPABILITY IMAP4rev1 IDLE MOVE UIDPLUS] in\r\n";
const std::string selected = "* 1 EXISTS\r\n* OK [UIDVALIDITY 7] v\r\nm2 OK [READ-WRITE] s\r\n";

TEST(ImapClientAgainstHostileServers, WorksWithAWellBehavedScript)
{
    scripted_server server(
        {greeting, logged_in, selected, "* 1 FETCH (UID 1 BODY[] {5}\r\nhello)\r\nm3 OK f\r\n"});
    EXPECT_EQ(session_error(server), "");
}

TEST(ImapClientAgainstHostileServers, FailsOnALiteralBeyondTheBound)
{
    scripted_server server(
        {greeting, logged_in, selected, "* 1 FETCH (UID 1 BODY[] {1000000000}\r\nxxxx"});
    EXPECT_THAT(session_error(server), HasSubstr("over the bound of 1000"));
}

TEST(ImapClientAgainstHostileServers, FailsOnADisconnectMidLiteral)
{
    scripted_server server({greeting, logged_in, selected, "* 1 FETCH (UID 1 BODY[] {500}\r\nabc"},
                           true);
    EXPECT_THAT(session_error(server), HasSubstr("closed the connection"));
}

TEST(ImapClientAgainstHostileServers, FailsOnALineWithoutEnd)
{
    scripted_server server({greeting + std::string(2 * 1024 * 1024, 'x')});
    EXPECT_THAT(session_error(server), HasSubstr("refused"));
}

TEST(ImapClientAgainstHostileServers, TimesOutOnASilentServer)
{
    scripted_server server({});
    const auto before = std::chrono::steady_clock::now();
    EXPECT_THAT(session_error(server), HasSubstr("within 300 ms"));
    EXPECT_LT(std::chrono::steady_clock::now() - before, 2s);
}

TEST(ImapClientAgainstHostileServers, TimesOutOnALiteralThatStopsComing)
{
    scripted_server server({greeting, logged_in, selected, "* 1 FETCH (UID 1 BODY[] {500}\r\nab"});
    EXPECT_THAT(session_error(server), HasSubstr("no reply to UID FETCH within 300 ms"));
}

TEST(ImapClientAgainstHostileServers, FailsOnGarbage)
{
    for (const std::string garbage : {"\x16\x03\x01\x02\x00\r\n", "HTTP/1.1 400 Bad Request\r\n",
                                      "* BYE go away\r\n", "* OK [CAPABILITY IMAP4rev1\r\n"}) {
        scripted_server server({garbage});
        EXPECT_NE(session_error(server), "") << garbage;
    }
    scripted_server malformed_fetch({greeting, logged_in, selected, "* 1 FETCH (UID one)\r\n"});
    EXPECT_THAT(session_error(malformed_fetch), HasSubstr("does not parse"));
    scripted_server wrong_tag({greeting, "zz OK hello\r\n"});
    EXPECT_THAT(session_error(wrong_tag), HasSubstr("not sent"));
}

TEST(ImapClientAgainstHostileServers, RefusesAReplyWithoutUidValidity)
{
    scripted_server server({greeting, logged_in, "m2 OK selected\r\n"});
    EXPECT_THAT(session_error(server), HasSubstr("no UIDVALIDITY"));
}

TEST(ImapClientAgainstHostileServers, SendsAPasswordThatCannotBeQuotedAsALiteral)
{
    scripted_server server({greeting, "+ go on\r\n", logged_in, selected,
                            "* 1 FETCH (UID 1 BODY[] NIL)\r\nm3 OK f\r\n"});
    EXPECT_EQ(session_error(server, "p\xc3\xa4ss"), "");
    EXPECT_THAT(server.received(), HasSubstr("m1 LOGIN \"user\" {5}\r\np\xc3\xa4ss\r\n"));
}

TEST(ImapClientAgainstHostileServers, QuotesAPasswordWithQuotesAndBackslashes)
{
    scripted_server server(
        {greeting, logged_in, selected, "* 1 FETCH (UID 1 BODY[] NIL)\r\nm3 OK f\r\n"});
    EXPECT_EQ(session_error(server, "a\"b\\c d"), "");
    EXPECT_THAT(server.received(), HasSubstr("m1 LOGIN \"user\" \"a\\\"b\\\\c d\"\r\n"));
}

} // namespace
} // namespace mailgate::core::imap
