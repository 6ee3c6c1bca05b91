#include "client_test_support.hpp"
#include "core/outbound/smtp/smtp_pool.hpp"

#include <boost/asio/detached.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

namespace mailgate::core::outbound::smtp {
namespace {

using namespace test_support;
using mailgate::testing::smtp_fault;
using mailgate::testing::smtp_mode;
using mailgate::testing::smtp_phase;
using mailgate::testing::smtp_test_server;

envelope envelope_for(int i)
{
    return {"sender@example.com", "rcpt" + std::to_string(i) + "@example.com", false};
}

// Each message is its own header fields, then the entity that all of them share, as the
// gateway sends the recipients of one request.
const auto shared_entity = std::make_shared<const std::string>("\r\nThe same body for all.\r\n");

std::string head_of(int i)
{
    return "From: sender@example.com\r\nTo: rcpt" + std::to_string(i) +
           "@example.com\r\nSubject: message " + std::to_string(i) + "\r\n";
}

class smtp_pool_test : public ::testing::Test {
protected:
    smtp_pool make_pool(std::size_t max_connections, std::size_t max_messages = 100)
    {
        auto settings = settings_for(server_, smtp_scheme::starttls);
        settings.max_connections = max_connections;
        settings.max_messages_per_connection = max_messages;
        return smtp_pool(ioc_.get_executor(), settings);
    }

    send_outcome send(smtp_pool& pool, int i)
    {
        return run(ioc_, pool.send(envelope_for(i), head_of(i), shared_entity));
    }

    boost::asio::io_context ioc_;
    smtp_test_server server_{server_options(smtp_mode::starttls)};
};

TEST_F(smtp_pool_test, one_connection_carries_every_message_with_rset_between)
{
    auto pool = make_pool(1);
    for (int i = 0; i < 5; ++i) {
        const auto outcome = send(pool, i);
        ASSERT_TRUE(outcome.ok()) << outcome.phase << outcome.error << outcome.reply.str();
        EXPECT_FALSE(outcome.tls_version.empty());
    }
    EXPECT_EQ(server_.connections_accepted(), 1u);
    EXPECT_EQ(server_.command_count("RSET"), 4u);
    EXPECT_EQ(server_.pipelined_count("MAIL"), 4u) << "RSET goes in the write of MAIL";
    EXPECT_EQ(server_.pipelined_count("DATA"), 5u);
    EXPECT_EQ(server_.command_count("STARTTLS"), 1u);
    EXPECT_EQ(pool.open_connections(), 1u);
    const auto messages = server_.messages();
    ASSERT_EQ(messages.size(), 5u);
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(messages[i].data, head_of(i) + *shared_entity);
        EXPECT_EQ(messages[i].connection, 1u);
    }
}

TEST(smtp_pool, without_pipelining_each_command_waits_for_the_reply_before_it)
{
    auto options = server_options(smtp_mode::plain);
    options.pipelining = false;
    smtp_test_server server(options);
    boost::asio::io_context ioc;
    smtp_pool pool(ioc.get_executor(), settings_for(server, smtp_scheme::smtp));
    for (int i = 0; i < 3; ++i) {
        const auto outcome = run(ioc, pool.send(envelope_for(i), head_of(i), shared_entity));
        ASSERT_TRUE(outcome.ok()) << outcome.phase << outcome.error << outcome.reply.str();
    }
    EXPECT_EQ(server.connections_accepted(), 1u);
    EXPECT_EQ(server.command_count("RSET"), 2u);
    EXPECT_EQ(server.command_count("MAIL"), 3u);
    for (const char* verb : {"RSET", "MAIL", "RCPT", "DATA"}) {
        EXPECT_EQ(server.pipelined_count(verb), 0u) << verb;
    }
    EXPECT_EQ(server.messages().size(), 3u);
}

TEST_F(smtp_pool_test, a_connection_is_quit_after_its_message_cap)
{
    auto pool = make_pool(1, 2);
    for (int i = 0; i < 5; ++i) {
        ASSERT_TRUE(send(pool, i).ok());
    }
    EXPECT_EQ(server_.connections_accepted(), 3u);
    EXPECT_EQ(server_.command_count("QUIT"), 2u); // the third connection is still open
    const auto messages = server_.messages();
    ASSERT_EQ(messages.size(), 5u);
    EXPECT_EQ(messages[1].connection, 1u);
    EXPECT_EQ(messages[2].connection, 2u);
    EXPECT_EQ(messages[4].connection, 3u);
}

TEST_F(smtp_pool_test, concurrent_sends_never_open_more_than_the_maximum)
{
    auto pool = make_pool(3);
    std::vector<send_outcome> outcomes;
    std::size_t most_open = 0;
    for (int i = 0; i < 10; ++i) {
        boost::asio::co_spawn(ioc_, pool.send(envelope_for(i), head_of(i), shared_entity),
                              [&](std::exception_ptr e, send_outcome outcome) {
                                  ASSERT_FALSE(e);
                                  most_open = std::max(most_open, pool.open_connections());
                                  outcomes.push_back(std::move(outcome));
                              });
    }
    ioc_.run();
    ASSERT_EQ(outcomes.size(), 10u);
    for (const auto& outcome : outcomes) {
        EXPECT_TRUE(outcome.ok()) << outcome.phase << outcome.error << outcome.reply.str();
    }
    EXPECT_LE(most_open, 3u);
    EXPECT_EQ(server_.connections_accepted(), 3u);
    EXPECT_EQ(server_.messages().size(), 10u);
}

TEST_F(smtp_pool_test, a_connection_the_server_dropped_is_replaced_transparently)
{
    auto pool = make_pool(1);
    ASSERT_TRUE(send(pool, 0).ok());
    smtp_fault drop;
    drop.what = smtp_fault::action::drop;
    drop.times = 1;
    server_.inject(smtp_phase::rset, drop);
    const auto outcome = send(pool, 1);
    EXPECT_TRUE(outcome.ok()) << outcome.phase << outcome.error;
    EXPECT_EQ(server_.connections_accepted(), 2u);
    ASSERT_EQ(server_.messages().size(), 2u);
    EXPECT_EQ(server_.messages()[1].connection, 2u);
    EXPECT_EQ(pool.open_connections(), 1u);
}

TEST_F(smtp_pool_test, a_refused_rset_replaces_the_connection)
{
    auto pool = make_pool(1);
    ASSERT_TRUE(send(pool, 0).ok());
    smtp_fault refuse;
    refuse.reply = "421 4.4.2 idle too long";
    refuse.times = 1;
    server_.inject(smtp_phase::rset, refuse);
    EXPECT_TRUE(send(pool, 1).ok());
    EXPECT_EQ(server_.connections_accepted(), 2u);
}

TEST_F(smtp_pool_test, a_connection_error_does_not_poison_the_pool)
{
    auto pool = make_pool(1);
    smtp_fault drop;
    drop.what = smtp_fault::action::drop;
    drop.times = 1;
    server_.inject(smtp_phase::greeting, drop);
    const auto failed = send(pool, 0);
    EXPECT_EQ(failed.failure, failure_class::connection_error);
    EXPECT_EQ(failed.phase, "greeting");
    EXPECT_EQ(pool.open_connections(), 0u);
    EXPECT_TRUE(send(pool, 1).ok());
    EXPECT_EQ(pool.open_connections(), 1u);
}

TEST_F(smtp_pool_test, a_refused_recipient_keeps_the_connection)
{
    auto pool = make_pool(1);
    server_.reject_recipient("rcpt0@example.com", "550 5.1.1 no such user");
    const auto refused = send(pool, 0);
    EXPECT_EQ(refused.failure, failure_class::invalid_address);
    EXPECT_TRUE(send(pool, 1).ok());
    EXPECT_EQ(server_.connections_accepted(), 1u);
    EXPECT_EQ(server_.command_count("RSET"), 1u);
}

TEST_F(smtp_pool_test, a_timed_out_connection_is_dropped_and_the_next_send_opens_another)
{
    auto settings = settings_for(server_, smtp_scheme::starttls);
    settings.max_connections = 1;
    settings.timeouts = test_timeouts(300ms);
    smtp_pool pool(ioc_.get_executor(), settings);
    smtp_fault stall;
    stall.what = smtp_fault::action::stall;
    stall.times = 1;
    server_.inject(smtp_phase::data_end, stall);
    const auto timed_out = send(pool, 0);
    EXPECT_EQ(timed_out.failure, failure_class::timeout);
    EXPECT_EQ(timed_out.phase, "data_end");
    EXPECT_TRUE(send(pool, 1).ok());
    EXPECT_EQ(server_.connections_accepted(), 2u);
}

TEST_F(smtp_pool_test, close_quits_idle_connections_and_later_sends_fail_fast)
{
    auto pool = make_pool(2);
    ASSERT_TRUE(send(pool, 0).ok());
    run(ioc_, pool.close());
    EXPECT_EQ(server_.command_count("QUIT"), 1u);
    EXPECT_EQ(pool.open_connections(), 0u);
    const auto after = send(pool, 1);
    EXPECT_EQ(after.failure, failure_class::connection_error);
    EXPECT_EQ(after.error, "pool closed");
    EXPECT_EQ(server_.connections_accepted(), 1u);
}

TEST_F(smtp_pool_test, close_wakes_waiting_sends_at_once)
{
    auto settings = settings_for(server_, smtp_scheme::starttls);
    settings.max_connections = 1;
    settings.timeouts = test_timeouts(500ms);
    smtp_pool pool(ioc_.get_executor(), settings);
    smtp_fault stall;
    stall.what = smtp_fault::action::stall;
    server_.inject(smtp_phase::data_end, stall);
    std::vector<std::string> finished; // in the order the sends end
    auto record = [&](const char* name) {
        return [&finished, name](std::exception_ptr, send_outcome outcome) {
            finished.push_back(std::string(name) + ": " +
                               (outcome.error.empty() ? outcome.reply.str() : outcome.error));
        };
    };
    boost::asio::co_spawn(ioc_, pool.send(envelope_for(0), head_of(0), shared_entity),
                          record("stalled"));
    boost::asio::co_spawn(ioc_, pool.send(envelope_for(1), head_of(1), shared_entity),
                          record("waiting"));
    boost::asio::co_spawn(
        ioc_,
        [&]() -> boost::asio::awaitable<void> {
            // Closes once the first send is in its stalled DATA.
            while (server_.command_count("DATA") == 0) {
                boost::asio::steady_timer tick(ioc_, 5ms);
                co_await tick.async_wait(boost::asio::use_awaitable);
            }
            co_await pool.close();
        },
        boost::asio::detached);
    ioc_.run();
    ASSERT_EQ(finished.size(), 2u);
    EXPECT_EQ(finished[0], "waiting: pool closed");
    EXPECT_EQ(finished[1], "stalled: no reply to the end of the message within 500 ms");
    EXPECT_EQ(pool.open_connections(), 0u);
}

TEST_F(smtp_pool_test, abort_cuts_off_sends_in_progress_without_waiting_for_their_timeouts)
{
    auto settings = settings_for(server_, smtp_scheme::starttls);
    settings.timeouts = test_timeouts(30s);
    smtp_pool pool(ioc_.get_executor(), settings);
    smtp_fault stall;
    stall.what = smtp_fault::action::stall;
    server_.inject(smtp_phase::data_end, stall);
    std::vector<send_outcome> finished;
    for (int i = 0; i < 2; ++i) {
        boost::asio::co_spawn(ioc_, pool.send(envelope_for(i), head_of(i), shared_entity),
                              [&finished](std::exception_ptr, send_outcome outcome) {
                                  finished.push_back(std::move(outcome));
                              });
    }
    const auto started = std::chrono::steady_clock::now();
    boost::asio::co_spawn(
        ioc_,
        [&]() -> boost::asio::awaitable<void> {
            while (server_.command_count("DATA") < 2) {
                boost::asio::steady_timer tick(ioc_, 5ms);
                co_await tick.async_wait(boost::asio::use_awaitable);
            }
            co_await pool.close();
            pool.abort_in_progress();
        },
        boost::asio::detached);
    ioc_.run();
    EXPECT_LT(std::chrono::steady_clock::now() - started, 10s) << "not the 30 s data_end timeout";
    ASSERT_EQ(finished.size(), 2u);
    for (const auto& outcome : finished) {
        EXPECT_EQ(outcome.failure, failure_class::connection_error) << outcome.error;
        EXPECT_FALSE(outcome.permanent) << "cut off by a stop: tried again later";
    }
    EXPECT_EQ(pool.open_connections(), 0u);
}

} // namespace
} // namespace mailgate::core::outbound::smtp
