#include "core/smtp_server/server.hpp"

#include "tests/support/captured_log.hpp"
#include "tests/support/test_certificate.hpp"
#include "tests/unit/core/smtp_server/listener_harness.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

namespace mailgate::core::smtp_server::test {
namespace {

using namespace std::chrono_literals;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

const std::string bounce_rcpt = "b-m1AAAA.token@bounce.example";

const std::string dsn_body = "From: MAILER-DAEMON@mx.remote.example\r\n"
                             "To: b-m1AAAA.token@bounce.example\r\n"
                             "Subject: Undelivered Mail Returned to Sender\r\n"
                             "Content-Type: text/plain\r\n"
                             "\r\n"
                             "550 5.1.1 user unknown\r\n";

// EHLO, MAIL FROM:<>, RCPT of the bounce address, DATA: ready for the message.
void open_transaction(smtp_client& c)
{
    ASSERT_THAT(c.read_reply(), StartsWith("220 listener.test "));
    ASSERT_THAT(c.command("EHLO mx.remote.example"), StartsWith("250-listener.test"));
    ASSERT_EQ(code_of(c.command("MAIL FROM:<>")), "250 2.1.0");
    ASSERT_EQ(code_of(c.command("RCPT TO:<" + bounce_rcpt + ">")), "250 2.1.5");
    ASSERT_THAT(c.command("DATA"), StartsWith("354 "));
}

TEST(smtp_listener, a_bounce_with_the_null_sender_reaches_the_sink)
{
    running_listener l;
    smtp_client c(l.port());
    ASSERT_THAT(c.read_reply(), StartsWith("220 listener.test ESMTP"));
    const auto ehlo = c.command("EHLO mx.remote.example");
    for (const char* ext : {"PIPELINING", "SIZE 65536", "8BITMIME", "SMTPUTF8"}) {
        EXPECT_THAT(ehlo, HasSubstr(std::string("250-") + ext + "\r\n"));
    }
    EXPECT_THAT(ehlo, EndsWith("250 ENHANCEDSTATUSCODES\r\n"));
    EXPECT_THAT(ehlo, Not(HasSubstr("STARTTLS")));
    EXPECT_EQ(code_of(c.command("MAIL FROM:<> BODY=8BITMIME SIZE=1000")), "250 2.1.0");
    EXPECT_EQ(code_of(c.command("RCPT TO:<" + bounce_rcpt + ">")), "250 2.1.5");
    EXPECT_THAT(c.command("DATA"), StartsWith("354 "));
    c.send(dsn_body + ".\r\n");
    EXPECT_EQ(code_of(c.read_reply()), "250 2.0.0");
    EXPECT_EQ(code_of(c.command("QUIT")), "221 2.0.0");
    EXPECT_TRUE(c.read_to_close());

    const auto got = l.sink().messages();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].recipient, bounce_rcpt);
    EXPECT_THAT(got[0].raw, StartsWith("Return-Path: <>\r\nReceived: from mx.remote.example "
                                       "([127.0.0.1])\r\n\tby listener.test (mailgate) with "
                                       "ESMTP;\r\n\t"));
    EXPECT_THAT(got[0].raw, EndsWith("\r\n" + dsn_body));
    EXPECT_EQ(l.counter("mailgate_bounce_smtp_sessions_total"), 1u);
    EXPECT_EQ(l.counter("mailgate_bounce_smtp_messages_total", {{"result", "handled"}}), 1u);
}

TEST(smtp_listener, pipelined_commands_are_answered_in_order)
{
    running_listener l;
    smtp_client c(l.port());
    ASSERT_THAT(c.read_reply(), StartsWith("220 "));
    c.send("EHLO mx.remote.example\r\nMAIL FROM:<>\r\nRCPT TO:<" + bounce_rcpt +
           ">\r\nRCPT TO:<someone@example.com>\r\nDATA\r\n");
    EXPECT_THAT(c.read_reply(), StartsWith("250-listener.test"));
    EXPECT_EQ(code_of(c.read_reply()), "250 2.1.0");
    EXPECT_EQ(code_of(c.read_reply()), "250 2.1.5");
    EXPECT_EQ(code_of(c.read_reply()), "550 5.1.1");
    EXPECT_THAT(c.read_reply(), StartsWith("354 "));
    c.send(dsn_body + ".\r\nMAIL FROM:<>\r\nRCPT TO:<" + bounce_rcpt + ">\r\nDATA\r\n");
    EXPECT_EQ(code_of(c.read_reply()), "250 2.0.0");
    EXPECT_EQ(code_of(c.read_reply()), "250 2.1.0");
    EXPECT_EQ(code_of(c.read_reply()), "250 2.1.5");
    EXPECT_THAT(c.read_reply(), StartsWith("354 "));
    c.send("second\r\n.\r\nQUIT\r\n");
    EXPECT_EQ(code_of(c.read_reply()), "250 2.0.0");
    EXPECT_EQ(code_of(c.read_reply()), "221 2.0.0");
    const auto got = l.sink().messages();
    ASSERT_EQ(got.size(), 2u);
    EXPECT_THAT(got[1].raw, EndsWith("\r\nsecond\r\n"));
}

TEST(smtp_listener, other_recipients_are_refused_and_nothing_reaches_the_sink)
{
    running_listener l;
    smtp_client c(l.port());
    ASSERT_THAT(c.read_reply(), StartsWith("220 "));
    c.command("EHLO spammer.example");
    EXPECT_EQ(code_of(c.command("MAIL FROM:<spam@spammer.example>")), "250 2.1.0");
    EXPECT_EQ(code_of(c.command("RCPT TO:<victim@gmail.com>")), "550 5.1.1");
    EXPECT_EQ(code_of(c.command("RCPT TO:<b-forged@other.example>")), "550 5.1.1");
    EXPECT_EQ(code_of(c.command("RCPT TO:<postmaster>")), "550 5.1.1");
    EXPECT_EQ(code_of(c.command("DATA")), "554 5.5.1");
    EXPECT_EQ(code_of(c.command("QUIT")), "221 2.0.0");
    EXPECT_TRUE(c.read_to_close());
    EXPECT_TRUE(l.sink().messages().empty());
    EXPECT_EQ(l.counter("mailgate_bounce_smtp_rcpt_refused_total"), 3u);
}

TEST(smtp_listener, declared_and_actual_size_over_the_limit)
{
    running_listener l;
    smtp_client c(l.port());
    ASSERT_THAT(c.read_reply(), StartsWith("220 "));
    c.command("EHLO mx.remote.example");
    EXPECT_EQ(code_of(c.command("MAIL FROM:<> SIZE=65537")), "552 5.3.4");
    EXPECT_EQ(code_of(c.command("MAIL FROM:<> SIZE=65000")), "250 2.1.0");
    EXPECT_EQ(code_of(c.command("RCPT TO:<" + bounce_rcpt + ">")), "250 2.1.5");
    EXPECT_THAT(c.command("DATA"), StartsWith("354 "));
    const std::string line(998, 'x');
    for (int i = 0; i < 70; ++i) {
        c.send(line + "\r\n");
    }
    c.send(".\r\n");
    EXPECT_EQ(code_of(c.read_reply()), "552 5.3.4");
    EXPECT_EQ(code_of(c.command("NOOP")), "250 2.0.0"); // the session goes on
    EXPECT_EQ(code_of(c.command("RCPT TO:<" + bounce_rcpt + ">")), "503 5.5.1");
    EXPECT_TRUE(l.sink().messages().empty());
    EXPECT_EQ(l.counter("mailgate_bounce_smtp_messages_total", {{"result", "too_large"}}), 1u);
}

TEST(smtp_listener, lines_too_long)
{
    running_listener l;
    smtp_client c(l.port());
    ASSERT_THAT(c.read_reply(), StartsWith("220 "));
    EXPECT_EQ(code_of(c.command("NOOP " + std::string(2000, 'a'))), "500 5.5.2");
    EXPECT_EQ(code_of(c.command("NOOP " + std::string(1000, 'a'))), "250 2.0.0");
    c.command("EHLO mx.remote.example");
    c.command("MAIL FROM:<>");
    c.command("RCPT TO:<" + bounce_rcpt + ">");
    EXPECT_THAT(c.command("DATA"), StartsWith("354 "));
    c.send(std::string(5000, 'y') + "\r\n"); // past RFC 5321's 1000, taken
    c.send(".\r\n");
    EXPECT_EQ(code_of(c.read_reply()), "250 2.0.0");
    c.command("MAIL FROM:<>");
    c.command("RCPT TO:<" + bounce_rcpt + ">");
    EXPECT_THAT(c.command("DATA"), StartsWith("354 "));
    c.send("a\r\n" + std::string(70 * 1024, 'z') + "\r\nb\r\n.\r\n");
    EXPECT_EQ(code_of(c.read_reply()), "500 5.5.2");
    EXPECT_EQ(l.sink().messages().size(), 1u);
}

TEST(smtp_listener, a_silent_client_is_told_and_closed)
{
    auto config = test_config();
    config.command_timeout = 300ms;
    running_listener l(config);
    smtp_client c(l.port());
    ASSERT_THAT(c.read_reply(), StartsWith("220 "));
    const auto start = std::chrono::steady_clock::now();
    const auto rest = c.read_to_close(3s);
    ASSERT_TRUE(rest);
    EXPECT_THAT(*rest, StartsWith("421 4.4.2 "));
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
    EXPECT_EQ(l.counter("mailgate_bounce_smtp_rejected_total", {{"reason", "timeout"}}), 1u);
}

TEST(smtp_listener, a_session_has_a_time_limit_whatever_it_sends)
{
    auto config = test_config();
    config.session_timeout = 600ms;
    running_listener l(config);
    smtp_client c(l.port());
    ASSERT_THAT(c.read_reply(), StartsWith("220 "));
    const auto start = std::chrono::steady_clock::now();
    std::string last;
    while (std::chrono::steady_clock::now() - start < 3s) {
        c.send("NOOP\r\n");
        last = c.read_reply();
        if (!last.starts_with("250")) {
            break;
        }
        std::this_thread::sleep_for(50ms);
    }
    EXPECT_EQ(code_of(last), "421 4.4.2");
    EXPECT_TRUE(c.read_to_close());
}

TEST(smtp_listener, connections_beyond_the_limit_get_421)
{
    auto config = test_config();
    config.max_connections = 2;
    running_listener l(config);
    auto a = std::make_unique<smtp_client>(l.port());
    smtp_client b(l.port());
    ASSERT_THAT(a->read_reply(), StartsWith("220 "));
    ASSERT_THAT(b.read_reply(), StartsWith("220 "));
    {
        smtp_client c(l.port());
        const auto all = c.read_to_close();
        ASSERT_TRUE(all);
        EXPECT_THAT(*all, StartsWith("421 4.3.2 "));
    }
    EXPECT_EQ(code_of(a->command("QUIT")), "221 2.0.0");
    ASSERT_TRUE(a->read_to_close());
    a.reset();
    for (int i = 0; i < 300 && l.get().connections() > 1; ++i) {
        std::this_thread::sleep_for(10ms);
    }
    smtp_client d(l.port());
    EXPECT_THAT(d.read_reply(), StartsWith("220 "));
    EXPECT_EQ(l.counter("mailgate_bounce_smtp_rejected_total", {{"reason", "overloaded"}}), 1u);
}

TEST(smtp_listener, starttls_resets_the_session_and_drops_what_was_pipelined)
{
    const auto cert = mailgate::testing::make_test_certificate({"listener.test"});
    auto config = test_config();
    config.tls_certificate = cert.certificate;
    config.tls_private_key = cert.private_key;
    running_listener l(config);
    smtp_client c(l.port());
    ASSERT_THAT(c.read_reply(), StartsWith("220 "));
    EXPECT_EQ(code_of(c.command("STARTTLS")), "503 5.5.1"); // EHLO first
    EXPECT_THAT(c.command("EHLO mx.remote.example"), HasSubstr("250-STARTTLS\r\n"));
    // What follows STARTTLS in the clear is an injection (CVE-2011-0411): never executed.
    c.send("STARTTLS\r\nMAIL FROM:<injected@evil.example>\r\n");
    EXPECT_EQ(code_of(c.read_reply()), "220 2.0.0");
    c.start_tls();
    EXPECT_EQ(code_of(c.command("MAIL FROM:<>")), "503 5.5.1"); // EHLO again, nothing kept
    const auto ehlo = c.command("EHLO mx.remote.example");
    EXPECT_THAT(ehlo, StartsWith("250-listener.test"));
    EXPECT_THAT(ehlo, Not(HasSubstr("STARTTLS")));
    EXPECT_EQ(code_of(c.command("STARTTLS")), "503 5.5.1");
    EXPECT_EQ(code_of(c.command("MAIL FROM:<>")), "250 2.1.0");
    EXPECT_EQ(code_of(c.command("RCPT TO:<" + bounce_rcpt + ">")), "250 2.1.5");
    EXPECT_THAT(c.command("DATA"), StartsWith("354 "));
    c.send(dsn_body + ".\r\n");
    EXPECT_EQ(code_of(c.read_reply()), "250 2.0.0");
    EXPECT_EQ(code_of(c.command("QUIT")), "221 2.0.0");
    const auto got = l.sink().messages();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_THAT(got[0].raw, HasSubstr("with ESMTPS;"));
}

TEST(smtp_listener, starttls_is_not_offered_without_a_certificate)
{
    running_listener l;
    smtp_client c(l.port());
    ASSERT_THAT(c.read_reply(), StartsWith("220 "));
    c.command("EHLO mx.remote.example");
    EXPECT_EQ(code_of(c.command("STARTTLS")), "502 5.5.1");
}

TEST(smtp_listener, a_sink_failure_asks_the_sender_to_retry)
{
    running_listener l(test_config(), scripted_sink::mode::fail);
    smtp_client c(l.port());
    open_transaction(c);
    c.send(dsn_body + ".\r\n");
    EXPECT_EQ(code_of(c.read_reply()), "451 4.3.0");
    EXPECT_EQ(code_of(c.command("NOOP")), "250 2.0.0");
    EXPECT_EQ(l.counter("mailgate_bounce_smtp_messages_total", {{"result", "sink_error"}}), 1u);
}

TEST(smtp_listener, a_sink_that_throws_or_never_answers_is_a_failure)
{
    {
        running_listener l(test_config(), scripted_sink::mode::throws);
        smtp_client c(l.port());
        open_transaction(c);
        c.send(dsn_body + ".\r\n");
        EXPECT_EQ(code_of(c.read_reply()), "451 4.3.0");
    }
    auto config = test_config();
    config.command_timeout = 300ms;
    running_listener l(config, scripted_sink::mode::never);
    smtp_client c(l.port());
    open_transaction(c);
    c.send(dsn_body + ".\r\n");
    EXPECT_EQ(code_of(c.read_reply()), "451 4.3.0");
}

TEST(smtp_listener, not_a_bounce_is_accepted_too)
{
    running_listener l(test_config(), scripted_sink::mode::not_bounce);
    smtp_client c(l.port());
    open_transaction(c);
    c.send("Subject: Out of office\r\n\r\nback monday\r\n.\r\n");
    EXPECT_EQ(code_of(c.read_reply()), "250 2.0.0");
    EXPECT_EQ(l.counter("mailgate_bounce_smtp_messages_total", {{"result", "not_bounce"}}), 1u);
}

TEST(smtp_listener, the_250_waits_for_the_sink)
{
    running_listener l(test_config(), scripted_sink::mode::manual);
    smtp_client c(l.port());
    open_transaction(c);
    c.send(dsn_body + ".\r\n");
    ASSERT_TRUE(l.sink().wait_for(1));
    EXPECT_FALSE(c.reply_within(300ms)); // received, not yet durable: no reply
    l.sink().answer();
    EXPECT_EQ(code_of(c.read_reply()), "250 2.0.0");
}

TEST(smtp_listener, each_recipient_is_handed_over_in_turn)
{
    running_listener l(test_config(), scripted_sink::mode::manual);
    smtp_client c(l.port());
    ASSERT_THAT(c.read_reply(), StartsWith("220 "));
    c.command("EHLO mx.remote.example");
    c.command("MAIL FROM:<>");
    EXPECT_EQ(code_of(c.command("RCPT TO:<b-one@bounce.example>")), "250 2.1.5");
    EXPECT_EQ(code_of(c.command("RCPT TO:<b-two@bounce.example>")), "250 2.1.5");
    EXPECT_EQ(code_of(c.command("RCPT TO:<b-one@bounce.example>")), "250 2.1.5"); // once
    EXPECT_THAT(c.command("DATA"), StartsWith("354 "));
    c.send("x\r\n.\r\n");
    ASSERT_TRUE(l.sink().wait_for(1));
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(l.sink().messages().size(), 1u); // the second waits for the first's answer
    l.sink().answer();
    ASSERT_TRUE(l.sink().wait_for(2));
    EXPECT_FALSE(c.reply_within(100ms));
    l.sink().answer();
    EXPECT_EQ(code_of(c.read_reply()), "250 2.0.0");
    const auto got = l.sink().messages();
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].recipient, "b-one@bounce.example");
    EXPECT_EQ(got[1].recipient, "b-two@bounce.example");
    EXPECT_EQ(got[0].raw, got[1].raw);
}

TEST(smtp_listener, recipients_per_transaction_are_bounded)
{
    auto config = test_config();
    config.max_recipients = 2;
    running_listener l(config);
    smtp_client c(l.port());
    ASSERT_THAT(c.read_reply(), StartsWith("220 "));
    c.command("EHLO mx.remote.example");
    c.command("MAIL FROM:<>");
    EXPECT_EQ(code_of(c.command("RCPT TO:<b-1@bounce.example>")), "250 2.1.5");
    EXPECT_EQ(code_of(c.command("RCPT TO:<b-2@bounce.example>")), "250 2.1.5");
    EXPECT_EQ(code_of(c.command("RCPT TO:<b-3@bounce.example>")), "452 4.5.3");
}

TEST(smtp_listener, dot_stuffed_lines_and_a_dot_line_in_quoted_printable)
{
    running_listener l;
    smtp_client c(l.port());
    open_transaction(c);
    c.send("Content-Transfer-Encoding: quoted-printable\r\n\r\n..leading dot\r\n..\r\n"
           "soft=\r\n break\r\n.\r\n");
    EXPECT_EQ(code_of(c.read_reply()), "250 2.0.0");
    const auto got = l.sink().messages();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_THAT(got[0].raw, EndsWith("\r\n\r\n.leading dot\r\n.\r\nsoft=\r\n break\r\n"));
}

TEST(smtp_listener, bare_lf_clients_are_understood)
{
    running_listener l;
    smtp_client c(l.port());
    ASSERT_THAT(c.read_reply(), StartsWith("220 "));
    c.send("EHLO mx.remote.example\nMAIL FROM:<>\nRCPT TO:<" + bounce_rcpt + ">\nDATA\n");
    EXPECT_THAT(c.read_reply(), StartsWith("250-"));
    EXPECT_EQ(code_of(c.read_reply()), "250 2.1.0");
    EXPECT_EQ(code_of(c.read_reply()), "250 2.1.5");
    EXPECT_THAT(c.read_reply(), StartsWith("354 "));
    c.send("Subject: x\n\nbody\n.\r\nstill body\n.\n");
    EXPECT_EQ(code_of(c.read_reply()), "250 2.0.0");
    const auto got = l.sink().messages();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_THAT(got[0].raw, EndsWith("\r\nSubject: x\r\n\r\nbody\r\n\r\nstill body\r\n"));
}

TEST(smtp_listener, sequence_syntax_and_unknown_commands)
{
    running_listener l;
    smtp_client c(l.port());
    ASSERT_THAT(c.read_reply(), StartsWith("220 "));
    EXPECT_EQ(code_of(c.command("MAIL FROM:<>")), "503 5.5.1"); // no EHLO yet
    EXPECT_EQ(code_of(c.command("EHLO")), "501 5.5.4");
    EXPECT_EQ(c.command("HELO mx.remote.example"), "250 listener.test\r\n");
    EXPECT_EQ(code_of(c.command("RCPT TO:<" + bounce_rcpt + ">")), "503 5.5.1");
    EXPECT_EQ(code_of(c.command("DATA")), "503 5.5.1");
    EXPECT_EQ(code_of(c.command("MAIL FROM:<broken")), "501 5.5.4");
    EXPECT_EQ(code_of(c.command("MAIL FROM:<> RET=HDRS")), "555 5.5.4");
    EXPECT_EQ(code_of(c.command("MAIL FROM:<>")), "250 2.1.0");
    EXPECT_EQ(code_of(c.command("MAIL FROM:<>")), "503 5.5.1"); // nested
    EXPECT_EQ(code_of(c.command("RCPT TO:<" + bounce_rcpt + "> NOTIFY=NEVER")), "555 5.5.4");
    EXPECT_EQ(code_of(c.command("DATA now")), "501 5.5.4");
    EXPECT_EQ(code_of(c.command("RSET")), "250 2.0.0");
    EXPECT_EQ(code_of(c.command("RCPT TO:<" + bounce_rcpt + ">")), "503 5.5.1"); // reset
    EXPECT_EQ(code_of(c.command("VRFY postmaster")), "252 2.0.0");
    EXPECT_EQ(code_of(c.command("HELP")), "214 2.0.0");
    EXPECT_EQ(code_of(c.command("NOOP")), "250 2.0.0");
    EXPECT_EQ(code_of(c.command("AUTH PLAIN AGFiAGM=")), "502 5.5.1");
    EXPECT_EQ(code_of(c.command("BDAT 10 LAST")), "502 5.5.1");
    EXPECT_EQ(code_of(c.command(std::string("\0\x01\xff", 3))), "502 5.5.1");
    EXPECT_EQ(code_of(c.command("QUIT")), "221 2.0.0");
    EXPECT_TRUE(c.read_to_close());
}

TEST(smtp_listener, too_many_errors_end_the_session)
{
    running_listener l;
    smtp_client c(l.port());
    ASSERT_THAT(c.read_reply(), StartsWith("220 "));
    std::string junk;
    for (int i = 0; i < 30; ++i) {
        junk += "JUNK\r\n";
    }
    c.send(junk);
    const auto all = c.read_to_close();
    ASSERT_TRUE(all);
    EXPECT_THAT(*all, HasSubstr("421 4.7.0 "));
    EXPECT_EQ(l.counter("mailgate_bounce_smtp_rejected_total", {{"reason", "too_many_errors"}}),
              1u);
}

TEST(smtp_listener, stop_tells_waiting_clients_and_returns)
{
    auto l = std::make_unique<running_listener>();
    smtp_client c(l->port());
    ASSERT_THAT(c.read_reply(), StartsWith("220 "));
    const auto start = std::chrono::steady_clock::now();
    l->get().stop(5s);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
    const auto rest = c.read_to_close();
    ASSERT_TRUE(rest);
    EXPECT_THAT(*rest, StartsWith("421 4.3.2 "));
}

TEST(smtp_listener, stop_lets_a_message_in_progress_finish)
{
    running_listener l(test_config(), scripted_sink::mode::manual);
    smtp_client c(l.port());
    open_transaction(c);
    c.send(dsn_body + ".\r\n");
    ASSERT_TRUE(l.sink().wait_for(1));
    std::thread stopper([&] { l.get().stop(5s); });
    std::this_thread::sleep_for(100ms);
    l.sink().answer();
    EXPECT_EQ(code_of(c.read_reply()), "250 2.0.0");
    const auto rest = c.read_to_close();
    stopper.join();
    ASSERT_TRUE(rest);
    EXPECT_THAT(*rest, StartsWith("421 4.3.2 "));
}

TEST(smtp_listener, what_it_cannot_open_is_named)
{
    auto config = test_config();
    config.tls_certificate = "/nonexistent/cert.pem";
    config.tls_private_key = "/nonexistent/key.pem";
    metrics::registry metrics;
    scripted_sink sink;
    EXPECT_THROW(
        {
            try {
                smtp_server::server s(config, is_test_bounce_address, sink.sink(), metrics);
            } catch (const std::runtime_error& e) {
                EXPECT_THAT(e.what(), HasSubstr("/nonexistent/cert.pem"));
                throw;
            }
        },
        std::runtime_error);
    running_listener l;
    auto taken = test_config();
    taken.port = l.port();
    EXPECT_THROW(smtp_server::server(taken, is_test_bounce_address, sink.sink(), metrics),
                 std::runtime_error);
}

TEST(smtp_listener, logs_carry_no_message_body)
{
    mailgate::test::captured_log log;
    {
        running_listener l;
        smtp_client c(l.port());
        open_transaction(c);
        c.send("Subject: secret-subject\r\n\r\nsecret-body\r\n.\r\n");
        EXPECT_EQ(code_of(c.read_reply()), "250 2.0.0");
    }
    EXPECT_THAT(log.text(), HasSubstr("bounce message received"));
    EXPECT_THAT(log.text(), Not(HasSubstr("secret")));
}

} // namespace
} // namespace mailgate::core::smtp_server::test
