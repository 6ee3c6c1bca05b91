#include "client_test_support.hpp"
#include "core/outbound/smtp/send_once.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <tuple>

namespace mailgate::core::outbound::smtp {
namespace {

using namespace test_support;
using mailgate::testing::smtp_fault;
using mailgate::testing::smtp_mode;
using mailgate::testing::smtp_phase;
using mailgate::testing::smtp_test_server;
using ::testing::HasSubstr;
using action = smtp_fault::action;

const envelope test_envelope{"sender@example.com", "rcpt@example.com", false};

send_outcome send(const smtp_client_settings& settings, const envelope& env = test_envelope)
{
    boost::asio::io_context ioc;
    return run(ioc, send_once(settings, env, test_message(), nullptr));
}

struct phase_case {
    smtp_phase server_phase;
    const char* client_phase;
    const char* stalled; // how the timeout names the wait
};

const phase_case phases[] = {
    {smtp_phase::greeting, "greeting", "no greeting within 300 ms"},
    {smtp_phase::ehlo, "ehlo", "no reply to EHLO within 300 ms"},
    {smtp_phase::starttls, "starttls", "no reply to STARTTLS within 300 ms"},
    {smtp_phase::auth, "auth", "no reply to AUTH within 300 ms"},
    {smtp_phase::mail, "mail", "no reply to MAIL within 300 ms"},
    {smtp_phase::rcpt, "rcpt", "no reply to RCPT within 300 ms"},
    {smtp_phase::data, "data", "no reply to DATA within 300 ms"},
    {smtp_phase::data_end, "data_end", "no reply to the end of the message within 300 ms"},
};

struct fault_case {
    const char* name;
    action what;
    const char* reply;
    failure_class expected;
    bool permanent;
};

const fault_case faults[] = {
    {"4xx", action::reply, "451 4.3.0 try again later", failure_class::dispatch_failed, false},
    {"5xx", action::reply, "554 5.7.1 refused", failure_class::dispatch_failed, true},
    {"drop", action::drop, "", failure_class::connection_error, false},
    {"stall", action::stall, "", failure_class::timeout, false},
};

void PrintTo(const phase_case& c, std::ostream* out)
{
    *out << c.client_phase;
}

void PrintTo(const fault_case& c, std::ostream* out)
{
    *out << c.name;
}

// Every phase of a STARTTLS session with AUTH, pipelined or not, and every kind of fault.
class fault_at_phase : public ::testing::TestWithParam<std::tuple<phase_case, fault_case, bool>> {};

TEST_P(fault_at_phase, is_classified_and_names_the_phase)
{
    const auto& [phase, fault, pipelining] = GetParam();
    auto options = server_options(smtp_mode::starttls);
    options.username = "user";
    options.password = "password";
    options.pipelining = pipelining;
    smtp_test_server server(options);
    smtp_fault injected;
    injected.what = fault.what;
    injected.reply = fault.reply;
    server.inject(phase.server_phase, injected);
    if (phase.server_phase == smtp_phase::ehlo) {
        server.inject(smtp_phase::helo, injected); // a 5xx to EHLO makes the client try HELO
    }
    auto settings = settings_for(server, smtp_scheme::starttls);
    settings.username = "user";
    settings.password = "password";
    settings.timeouts = test_timeouts(300ms);

    const auto outcome = send(settings);

    EXPECT_EQ(outcome.failure, fault.expected);
    EXPECT_EQ(outcome.permanent, fault.permanent);
    EXPECT_EQ(outcome.phase, phase.client_phase);
    if (fault.what == action::reply) {
        EXPECT_EQ(outcome.reply.str(), fault.reply);
    } else {
        EXPECT_EQ(outcome.reply.code, 0);
    }
    if (fault.what == action::stall) {
        EXPECT_EQ(outcome.error, phase.stalled);
    }
    if (fault.what == action::drop) {
        EXPECT_EQ(outcome.error, "the server closed the connection");
    }
    EXPECT_TRUE(server.messages().empty());
}

std::string case_name(const ::testing::TestParamInfo<fault_at_phase::ParamType>& info)
{
    const auto& [phase, fault, pipelining] = info.param;
    return std::string(phase.client_phase) + "_" + fault.name +
           (pipelining ? "_pipelined" : "_sequential");
}

INSTANTIATE_TEST_SUITE_P(all, fault_at_phase,
                         ::testing::Combine(::testing::ValuesIn(phases),
                                            ::testing::ValuesIn(faults), ::testing::Bool()),
                         case_name);

TEST(smtp_faults, a_421_to_pipelined_mail_is_reported_though_the_server_closes)
{
    smtp_test_server server(server_options(smtp_mode::plain));
    smtp_fault closing;
    closing.reply = "421 4.7.0 too many messages, closing";
    server.inject(smtp_phase::mail, closing);
    const auto outcome = send(settings_for(server, smtp_scheme::smtp));
    EXPECT_EQ(outcome.failure, failure_class::dispatch_failed);
    EXPECT_FALSE(outcome.permanent);
    EXPECT_EQ(outcome.phase, "mail");
    EXPECT_EQ(outcome.reply.str(), "421 4.7.0 too many messages, closing");
}

TEST(smtp_faults, unknown_mailbox_at_rcpt_is_a_permanent_invalid_address)
{
    smtp_test_server server(server_options(smtp_mode::plain));
    server.reject_recipient("rcpt@example.com", "550 5.1.1 <rcpt@example.com>: user unknown");
    const auto outcome = send(settings_for(server, smtp_scheme::smtp));
    EXPECT_EQ(outcome.failure, failure_class::invalid_address);
    EXPECT_TRUE(outcome.permanent);
    EXPECT_EQ(outcome.phase, "rcpt");
    EXPECT_EQ(outcome.reply.code, 550);
    EXPECT_EQ(outcome.reply.enhanced, "5.1.1");
    EXPECT_EQ(describe(outcome.failure), "SMTP invalid email ID");
}

TEST(smtp_faults, greylisting_at_rcpt_is_transient)
{
    smtp_test_server server(server_options(smtp_mode::plain));
    server.reject_recipient("rcpt@example.com", "450 4.2.0 greylisted, try again");
    const auto outcome = send(settings_for(server, smtp_scheme::smtp));
    EXPECT_EQ(outcome.failure, failure_class::dispatch_failed);
    EXPECT_FALSE(outcome.permanent);
    EXPECT_EQ(outcome.reply.str(), "450 4.2.0 greylisted, try again");
}

uint16_t closed_port()
{
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::acceptor acceptor(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
    return acceptor.local_endpoint().port(); // closed again when the acceptor goes
}

TEST(smtp_faults, connection_refused_is_a_transient_connection_error)
{
    smtp_client_settings settings;
    settings.host = "127.0.0.1";
    settings.port = closed_port();
    settings.scheme = smtp_scheme::smtp;
    settings.timeouts = test_timeouts();
    const auto outcome = send(settings);
    EXPECT_EQ(outcome.failure, failure_class::connection_error);
    EXPECT_FALSE(outcome.permanent);
    EXPECT_EQ(outcome.phase, "connect");
    EXPECT_THAT(outcome.error, HasSubstr("cannot connect to 127.0.0.1:"));
    EXPECT_THAT(outcome.error, HasSubstr("refused"));
}

TEST(smtp_faults, addresses_cannot_inject_commands)
{
    smtp_test_server server(server_options(smtp_mode::plain));
    const auto settings = settings_for(server, smtp_scheme::smtp);
    const auto bad_rcpt = send(settings, {"a@example.com", "b@example.com>\r\nRSET", false});
    EXPECT_EQ(bad_rcpt.failure, failure_class::invalid_address);
    EXPECT_TRUE(bad_rcpt.permanent);
    EXPECT_EQ(bad_rcpt.phase, "rcpt");
    const auto bad_from = send(settings, {"a@example.com> SIZE=1", "b@example.com", false});
    EXPECT_EQ(bad_from.failure, failure_class::invalid_address);
    EXPECT_EQ(bad_from.phase, "mail");
    const auto empty_rcpt = send(settings, {"a@example.com", "", false});
    EXPECT_EQ(empty_rcpt.failure, failure_class::invalid_address);
    EXPECT_EQ(server.command_count("MAIL"), 0u);
    EXPECT_EQ(server.command_count("RSET"), 0u);
}

TEST(smtp_faults, null_sender_is_allowed)
{
    smtp_test_server server(server_options(smtp_mode::plain));
    const auto outcome =
        send(settings_for(server, smtp_scheme::smtp), {"", "b@example.com", false});
    ASSERT_TRUE(outcome.ok()) << outcome.reply.str();
    EXPECT_EQ(server.messages().front().mail_from, "");
}

} // namespace
} // namespace mailgate::core::outbound::smtp
