#include "tests/support/smtp_test_server.hpp"

#include "core/encoding/base64.hpp"
#include "tests/support/test_certificate.hpp"
#include "tests/unit/support/raw_smtp_client.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/system/system_error.hpp>

#include <chrono>
#include <string>

namespace mailgate::testing {
namespace {

using namespace std::chrono_literals;
using core::encoding::base64_encode;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

// What a client that stops waiting needs: long enough that a loaded machine answers within it.
constexpr auto silence = 200ms;

std::string plain_response(const std::string& user, const std::string& password)
{
    return base64_encode(std::string("\0", 1) + user + std::string("\0", 1) + password);
}

// Reads the greeting and says EHLO.
void greet(raw_smtp_client& client)
{
    EXPECT_THAT(client.reply(), StartsWith("220 "));
    EXPECT_THAT(client.command("EHLO client.example"), StartsWith("250"));
}

// MAIL, one RCPT and DATA with the given body; returns the reply to the final dot.
std::string send_message(raw_smtp_client& client, const std::string& body)
{
    EXPECT_THAT(client.command("MAIL FROM:<a@example.com>"), StartsWith("250"));
    EXPECT_THAT(client.command("RCPT TO:<b@example.com>"), StartsWith("250"));
    EXPECT_THAT(client.command("DATA"), StartsWith("354"));
    client.send(body + ".\r\n");
    return client.reply();
}

smtp_server_options auth_options(smtp_mode mode = smtp_mode::plain)
{
    smtp_server_options options;
    options.mode = mode;
    options.username = "user";
    options.password = "secret";
    return options;
}

TEST(SmtpTestServer, PlainSessionEndToEnd)
{
    smtp_test_server server;
    raw_smtp_client client(server.port());

    EXPECT_EQ(client.reply(), "220 localhost ESMTP");
    const auto ehlo = client.command("EHLO client.example");
    EXPECT_THAT(ehlo, StartsWith("250-localhost\n"));
    EXPECT_THAT(ehlo, HasSubstr("250-PIPELINING\n"));
    EXPECT_THAT(ehlo, HasSubstr("250-SIZE 10485760\n"));
    EXPECT_THAT(ehlo, HasSubstr("250-8BITMIME\n"));
    EXPECT_THAT(ehlo, HasSubstr("SMTPUTF8"));
    EXPECT_THAT(ehlo, Not(HasSubstr("STARTTLS")));
    EXPECT_THAT(ehlo, Not(HasSubstr("AUTH")));
    EXPECT_EQ(client.command("MAIL FROM:<a@example.com> SIZE=20 BODY=8BITMIME"), "250 2.1.0 Ok");
    EXPECT_EQ(client.command("RCPT TO:<b@example.com>"), "250 2.1.5 Ok");
    EXPECT_EQ(client.command("rcpt to: <c@example.com>"), "250 2.1.5 Ok");
    EXPECT_THAT(client.command("DATA"), StartsWith("354 "));
    client.send("Subject: hi\r\n\r\nhello\r\n.\r\n");
    EXPECT_THAT(client.reply(), StartsWith("250 2.0.0 Ok: queued as "));
    EXPECT_THAT(client.command("QUIT"), StartsWith("221 "));
    EXPECT_TRUE(client.closed_by_server());

    ASSERT_EQ(server.messages().size(), 1u);
    const auto message = server.messages().front();
    EXPECT_EQ(message.mail_from, "a@example.com");
    EXPECT_EQ(message.mail_parameters, "SIZE=20 BODY=8BITMIME");
    EXPECT_THAT(message.recipients, ElementsAre("b@example.com", "c@example.com"));
    EXPECT_EQ(message.data, "Subject: hi\r\n\r\nhello\r\n");
    EXPECT_FALSE(message.tls);
    EXPECT_EQ(message.auth_user, "");
    EXPECT_EQ(message.connection, 1u);
    EXPECT_EQ(server.connections_accepted(), 1u);
    EXPECT_EQ(server.command_count("rcpt"), 2u);
    EXPECT_EQ(server.command_count("QUIT"), 1u);
    EXPECT_THAT(server.transcript(), Contains("C: EHLO client.example"));
    EXPECT_THAT(server.transcript(), Contains("S: 250-PIPELINING"));
}

TEST(SmtpTestServer, QueueIdsAreUniqueAndConnectionsCounted)
{
    smtp_test_server server;
    for (int i = 0; i < 2; ++i) {
        raw_smtp_client client(server.port());
        greet(client);
        EXPECT_THAT(send_message(client, "x\r\n"), StartsWith("250 "));
    }
    const auto messages = server.messages();
    ASSERT_EQ(messages.size(), 2u);
    EXPECT_NE(messages[0].queue_id, messages[1].queue_id);
    EXPECT_EQ(messages[1].connection, 2u);
    EXPECT_EQ(server.connections_accepted(), 2u);
}

TEST(SmtpTestServer, AnswersPipelinedCommandsInOrder)
{
    smtp_test_server server;
    raw_smtp_client client(server.port());
    client.reply();

    client.send("EHLO c\r\nMAIL FROM:<a@x.example>\r\nRCPT TO:<b@y.example>\r\n"
                "RCPT TO:<>\r\nNOOP\r\nDATA\r\n");
    EXPECT_THAT(client.reply(), StartsWith("250-localhost"));
    EXPECT_EQ(client.reply(), "250 2.1.0 Ok");
    EXPECT_EQ(client.reply(), "250 2.1.5 Ok");
    EXPECT_THAT(client.reply(), StartsWith("501 "));
    EXPECT_EQ(client.reply(), "250 2.0.0 Ok");
    EXPECT_THAT(client.reply(), StartsWith("354 "));
    client.send("body\r\n.\r\nRSET\r\nQUIT\r\n");
    EXPECT_THAT(client.reply(), StartsWith("250 2.0.0 Ok: queued as"));
    EXPECT_EQ(client.reply(), "250 2.0.0 Ok");
    EXPECT_THAT(client.reply(), StartsWith("221 "));
    ASSERT_EQ(server.messages().size(), 1u);
    EXPECT_EQ(server.messages()[0].data, "body\r\n");
}

TEST(SmtpTestServer, ReadsCommandsSplitAcrossWrites)
{
    smtp_test_server server;
    raw_smtp_client client(server.port());
    client.reply();
    client.send("NO");
    EXPECT_EQ(client.try_reply(50ms), std::nullopt);
    client.send("OP\r");
    client.send("\n");
    EXPECT_EQ(client.reply(), "250 2.0.0 Ok");
}

TEST(SmtpTestServer, StarttlsThenEhloThenAuthPlain)
{
    const auto certificate = make_test_certificate();
    auto options = auth_options(smtp_mode::starttls);
    options.certificate = certificate;
    smtp_test_server server(options);
    raw_smtp_client client(server.port());
    client.reply();

    const auto before = client.command("EHLO c");
    EXPECT_THAT(before, HasSubstr("250 STARTTLS"));
    EXPECT_THAT(before, Not(HasSubstr("AUTH")));
    EXPECT_EQ(client.command("MAIL FROM:<a@x.example>"),
              "530 5.7.0 Must issue a STARTTLS command first");
    EXPECT_THAT(client.command("AUTH PLAIN " + plain_response("user", "secret")),
                StartsWith("530 5.7.0"));
    EXPECT_THAT(client.command("STARTTLS"), StartsWith("220 2.0.0 Ready"));
    client.start_tls(certificate);

    EXPECT_THAT(client.command("MAIL FROM:<a@x.example>"), StartsWith("503 "));
    const auto after = client.command("EHLO c");
    EXPECT_THAT(after, Not(HasSubstr("STARTTLS")));
    EXPECT_THAT(after, HasSubstr("250 AUTH PLAIN LOGIN"));
    EXPECT_EQ(client.command("MAIL FROM:<a@x.example>"), "530 5.7.0 Authentication required");
    EXPECT_EQ(client.command("AUTH PLAIN " + plain_response("user", "secret")),
              "235 2.7.0 Authentication successful");
    EXPECT_THAT(send_message(client, "tls\r\n"), StartsWith("250 "));
    EXPECT_THAT(client.command("QUIT"), StartsWith("221 "));

    ASSERT_EQ(server.messages().size(), 1u);
    EXPECT_TRUE(server.messages()[0].tls);
    EXPECT_EQ(server.messages()[0].auth_user, "user");
    EXPECT_EQ(server.command_count("STARTTLS"), 1u);
    EXPECT_EQ(server.command_count("EHLO"), 2u);
}

TEST(SmtpTestServer, StarttlsWithoutRequireTlsOffersEverythingInTheClear)
{
    auto options = auth_options(smtp_mode::starttls);
    options.require_tls = false;
    smtp_test_server server(options);
    raw_smtp_client client(server.port());
    client.reply();
    const auto ehlo = client.command("EHLO c");
    EXPECT_THAT(ehlo, HasSubstr("250-STARTTLS"));
    EXPECT_THAT(ehlo, HasSubstr("250 AUTH PLAIN LOGIN"));
    EXPECT_THAT(client.command("AUTH PLAIN " + plain_response("user", "secret")),
                StartsWith("235"));
    EXPECT_THAT(send_message(client, "clear\r\n"), StartsWith("250 "));
    ASSERT_EQ(server.messages().size(), 1u);
    EXPECT_FALSE(server.messages()[0].tls);
    EXPECT_EQ(server.messages()[0].auth_user, "user");
}

TEST(SmtpTestServer, IgnoresCommandsPipelinedBehindStarttls)
{
    const auto certificate = make_test_certificate();
    smtp_server_options options;
    options.mode = smtp_mode::starttls;
    options.certificate = certificate;
    smtp_test_server server(options);
    raw_smtp_client client(server.port());
    client.reply();
    client.command("EHLO c");

    client.send("STARTTLS\r\nRSET\r\n");
    EXPECT_THAT(client.reply(), StartsWith("220 "));
    client.start_tls(certificate);
    EXPECT_THAT(client.command("NOOP"), StartsWith("250 "));
    EXPECT_EQ(server.command_count("RSET"), 0u);
}

TEST(SmtpTestServer, StarttlsRefusedOutsideStarttlsModeAndTwice)
{
    const auto certificate = make_test_certificate();
    smtp_test_server plain;
    raw_smtp_client plain_client(plain.port());
    greet(plain_client);
    EXPECT_THAT(plain_client.command("STARTTLS"), StartsWith("502 "));

    smtp_server_options options;
    options.mode = smtp_mode::starttls;
    options.certificate = certificate;
    smtp_test_server server(options);
    raw_smtp_client client(server.port());
    client.reply();
    EXPECT_THAT(client.command("STARTTLS"), StartsWith("503 ")); // before EHLO
    client.command("EHLO c");
    client.command("STARTTLS");
    client.start_tls(certificate);
    client.command("EHLO c");
    EXPECT_THAT(client.command("STARTTLS"), StartsWith("503 "));
}

TEST(SmtpTestServer, SmtpsIsTlsFromTheFirstByte)
{
    const auto certificate = make_test_certificate();
    auto options = auth_options(smtp_mode::smtps);
    options.certificate = certificate;
    smtp_test_server server(options);
    raw_smtp_client client(server.port(), &certificate);

    EXPECT_EQ(client.reply(), "220 localhost ESMTP");
    const auto ehlo = client.command("EHLO c");
    EXPECT_THAT(ehlo, Not(HasSubstr("STARTTLS")));
    EXPECT_THAT(ehlo, HasSubstr("AUTH PLAIN LOGIN"));
    EXPECT_THAT(client.command("AUTH PLAIN " + plain_response("user", "secret")),
                StartsWith("235"));
    EXPECT_THAT(send_message(client, "over tls\r\n"), StartsWith("250 "));
    EXPECT_THAT(client.command("QUIT"), StartsWith("221 "));
    EXPECT_TRUE(client.closed_by_server());
    ASSERT_EQ(server.messages().size(), 1u);
    EXPECT_TRUE(server.messages()[0].tls);
    EXPECT_EQ(server.messages()[0].data, "over tls\r\n");
}

TEST(SmtpTestServer, MakesItsOwnCertificateWhenGivenNone)
{
    smtp_server_options options;
    options.mode = smtp_mode::smtps;
    smtp_test_server server(options);
    // The server's certificate is not this one, so verification fails.
    const auto unrelated = make_test_certificate();
    EXPECT_THROW(raw_smtp_client(server.port(), &unrelated), boost::system::system_error);
    // The server survived the failed handshake.
    const auto again = make_test_certificate();
    EXPECT_THROW(raw_smtp_client(server.port(), &again), boost::system::system_error);
    EXPECT_EQ(server.connections_accepted(), 2u);
}

TEST(TestCertificate, FailsHostNameVerificationForAnotherName)
{
    const auto other = make_test_certificate({"other.example"}, false);
    smtp_server_options options;
    options.mode = smtp_mode::smtps;
    options.certificate = other;
    smtp_test_server server(options);
    EXPECT_THROW(raw_smtp_client(server.port(), &other, "localhost"), boost::system::system_error);
    raw_smtp_client client(server.port(), &other, "other.example");
    EXPECT_THAT(client.reply(), StartsWith("220 "));
}

TEST(TestCertificate, VerifiesForTheLoopbackAddress)
{
    const auto certificate = make_test_certificate();
    smtp_server_options options;
    options.mode = smtp_mode::smtps;
    options.certificate = certificate;
    smtp_test_server server(options);
    raw_smtp_client client(server.port(), &certificate, "127.0.0.1");
    EXPECT_THAT(client.reply(), StartsWith("220 "));
}

TEST(TestCertificate, WritesPemFilesInAFreshDirectory)
{
    const auto first = make_test_certificate();
    const auto second = make_test_certificate({"a.example", "b.example"});
    EXPECT_NE(first.certificate.parent_path(), second.certificate.parent_path());
    EXPECT_TRUE(std::filesystem::exists(first.certificate));
    EXPECT_TRUE(std::filesystem::exists(first.private_key));
}

TEST(SmtpTestServer, AuthLogin)
{
    smtp_test_server server(auth_options());
    raw_smtp_client client(server.port());
    greet(client);
    EXPECT_EQ(client.command("AUTH LOGIN"), "334 VXNlcm5hbWU6");
    EXPECT_EQ(client.command(base64_encode("user")), "334 UGFzc3dvcmQ6");
    EXPECT_EQ(client.command(base64_encode("secret")), "235 2.7.0 Authentication successful");
    EXPECT_THAT(send_message(client, "x\r\n"), StartsWith("250 "));
    EXPECT_EQ(server.messages().at(0).auth_user, "user");
    EXPECT_EQ(server.command_count("AUTH"), 1u);
}

TEST(SmtpTestServer, AuthLoginWithInitialResponse)
{
    smtp_test_server server(auth_options());
    raw_smtp_client client(server.port());
    greet(client);
    EXPECT_EQ(client.command("AUTH LOGIN " + base64_encode("user")), "334 UGFzc3dvcmQ6");
    EXPECT_THAT(client.command(base64_encode("secret")), StartsWith("235 "));
}

TEST(SmtpTestServer, AuthPlainAfterAnEmptyChallenge)
{
    smtp_test_server server(auth_options());
    raw_smtp_client client(server.port());
    greet(client);
    EXPECT_EQ(client.command("auth plain"), "334 ");
    EXPECT_THAT(client.command(plain_response("user", "secret")), StartsWith("235 2.7.0"));
    EXPECT_THAT(client.command("AUTH PLAIN " + plain_response("user", "secret")),
                StartsWith("503 "));
}

TEST(SmtpTestServer, WrongPasswordIs535AndMailStaysRefused)
{
    smtp_test_server server(auth_options());
    raw_smtp_client client(server.port());
    greet(client);
    EXPECT_EQ(client.command("AUTH PLAIN " + plain_response("user", "wrong")),
              "535 5.7.8 Authentication credentials invalid");
    EXPECT_EQ(client.command("AUTH LOGIN"), "334 VXNlcm5hbWU6");
    EXPECT_EQ(client.command(base64_encode("other")), "334 UGFzc3dvcmQ6");
    EXPECT_THAT(client.command(base64_encode("secret")), StartsWith("535 5.7.8"));
    EXPECT_THAT(client.command("MAIL FROM:<a@x.example>"), StartsWith("530 5.7.0"));
}

TEST(SmtpTestServer, RefusesMalformedAndCancelledAuth)
{
    smtp_test_server server(auth_options());
    raw_smtp_client client(server.port());
    greet(client);
    EXPECT_THAT(client.command("AUTH PLAIN not*base64"), StartsWith("501 "));
    EXPECT_THAT(client.command("AUTH PLAIN " + base64_encode("no separators")), StartsWith("501 "));
    EXPECT_THAT(client.command("AUTH CRAM-MD5"), StartsWith("504 "));
    EXPECT_THAT(client.command("AUTH"), StartsWith("504 "));
    EXPECT_EQ(client.command("AUTH LOGIN"), "334 VXNlcm5hbWU6");
    EXPECT_THAT(client.command("*"), StartsWith("501 "));
    EXPECT_THAT(client.command("AUTH PLAIN"), StartsWith("334"));
    EXPECT_THAT(client.command(std::string(1200, 'A')), StartsWith("500 5.5.2"));
    EXPECT_THAT(client.command("NOOP"), StartsWith("250 "));
}

TEST(SmtpTestServer, AdvertisesOnlyTheConfiguredMechanisms)
{
    auto options = auth_options();
    options.auth_mechanisms = {"LOGIN"};
    smtp_test_server server(options);
    raw_smtp_client client(server.port());
    client.reply();
    EXPECT_THAT(client.command("EHLO c"), HasSubstr("250 AUTH LOGIN"));
    EXPECT_THAT(client.command("AUTH PLAIN " + plain_response("user", "secret")),
                StartsWith("504 "));
}

TEST(SmtpTestServer, AuthNotOfferedWithoutUsername)
{
    smtp_test_server server;
    raw_smtp_client client(server.port());
    greet(client);
    EXPECT_THAT(client.command("AUTH PLAIN " + plain_response("user", "secret")),
                StartsWith("503 "));
}

TEST(SmtpTestServer, ReplyFaultFiresTheGivenNumberOfTimes)
{
    smtp_test_server server;
    server.inject(smtp_phase::rcpt, {smtp_fault::action::reply, "451 4.3.0 try later", 1});
    raw_smtp_client client(server.port());
    greet(client);
    EXPECT_THAT(client.command("MAIL FROM:<a@x.example>"), StartsWith("250 "));
    EXPECT_EQ(client.command("RCPT TO:<b@y.example>"), "451 4.3.0 try later");
    EXPECT_EQ(client.command("RCPT TO:<b@y.example>"), "250 2.1.5 Ok");
    EXPECT_THAT(client.command("DATA"), StartsWith("354"));
    client.send("x\r\n.\r\n");
    EXPECT_THAT(client.reply(), StartsWith("250 "));
    EXPECT_THAT(server.messages().at(0).recipients, ElementsAre("b@y.example"));
    EXPECT_EQ(server.command_count("RCPT"), 2u);
}

TEST(SmtpTestServer, MultiLineFaultReply)
{
    smtp_test_server server;
    server.inject(smtp_phase::mail, {smtp_fault::action::reply, "452 4.3.1 first\n452 second"});
    raw_smtp_client client(server.port());
    greet(client);
    EXPECT_EQ(client.command("MAIL FROM:<a@x.example>"), "452-4.3.1 first\n452 second");
    // Always, until cleared; a refused MAIL starts no transaction.
    EXPECT_THAT(client.command("MAIL FROM:<a@x.example>"), StartsWith("452-"));
    EXPECT_THAT(client.command("RCPT TO:<b@y.example>"), StartsWith("503 "));
    server.clear_faults();
    EXPECT_EQ(client.command("MAIL FROM:<a@x.example>"), "250 2.1.0 Ok");
}

TEST(SmtpTestServer, NegativeReplyAtDataEndLeavesTheMessageUnrecorded)
{
    smtp_test_server server;
    server.inject(smtp_phase::data_end, {smtp_fault::action::reply, "451 4.3.0 queue full", 1});
    raw_smtp_client client(server.port());
    greet(client);
    EXPECT_EQ(send_message(client, "first\r\n"), "451 4.3.0 queue full");
    EXPECT_TRUE(server.messages().empty());
    // The transaction is over either way.
    EXPECT_THAT(client.command("RCPT TO:<b@y.example>"), StartsWith("503 "));
    EXPECT_THAT(send_message(client, "second\r\n"), StartsWith("250 "));
    ASSERT_EQ(server.messages().size(), 1u);
    EXPECT_EQ(server.messages()[0].data, "second\r\n");
}

TEST(SmtpTestServer, PositiveFaultReplyReplacesOnlyTheText)
{
    smtp_test_server server;
    server.inject(smtp_phase::greeting,
                  {smtp_fault::action::reply, "220-mx.example first\n220 mx.example ready"});
    server.inject(smtp_phase::ehlo, {smtp_fault::action::reply, "250 mx.example"});
    raw_smtp_client client(server.port());
    EXPECT_EQ(client.reply(), "220-mx.example first\n220 mx.example ready");
    EXPECT_EQ(client.command("EHLO c"), "250 mx.example");
    EXPECT_THAT(send_message(client, "x\r\n"), StartsWith("250 "));
}

TEST(SmtpTestServer, NegativeGreetingLeavesOnlyQuit)
{
    smtp_test_server server;
    server.inject(smtp_phase::greeting, {smtp_fault::action::reply, "554 5.3.2 go away"});
    raw_smtp_client client(server.port());
    EXPECT_EQ(client.reply(), "554 5.3.2 go away");
    EXPECT_THAT(client.command("EHLO c"), StartsWith("503 "));
    EXPECT_THAT(client.command("QUIT"), StartsWith("221 "));
    EXPECT_TRUE(client.closed_by_server());
}

TEST(SmtpTestServer, Reply421ClosesTheConnection)
{
    smtp_test_server server;
    server.inject(smtp_phase::mail, {smtp_fault::action::reply, "421 4.3.2 shutting down"});
    raw_smtp_client client(server.port());
    greet(client);
    EXPECT_EQ(client.command("MAIL FROM:<a@x.example>"), "421 4.3.2 shutting down");
    EXPECT_TRUE(client.closed_by_server());
}

TEST(SmtpTestServer, DropClosesWithoutReply)
{
    smtp_test_server server;
    server.inject(smtp_phase::data, {smtp_fault::action::drop, "", 1});
    raw_smtp_client client(server.port());
    greet(client);
    client.command("MAIL FROM:<a@x.example>");
    client.command("RCPT TO:<b@y.example>");
    client.send("DATA\r\n");
    EXPECT_TRUE(client.closed_by_server());

    // Used up: the next connection gets through.
    raw_smtp_client next(server.port());
    greet(next);
    EXPECT_THAT(send_message(next, "x\r\n"), StartsWith("250 "));
}

TEST(SmtpTestServer, DropAtGreetingAndAfterData)
{
    smtp_test_server server;
    server.inject(smtp_phase::greeting, {smtp_fault::action::drop, "", 1});
    raw_smtp_client refused(server.port());
    EXPECT_TRUE(refused.closed_by_server());

    server.inject(smtp_phase::data_end, {smtp_fault::action::drop, "", 1});
    raw_smtp_client client(server.port());
    greet(client);
    client.command("MAIL FROM:<a@x.example>");
    client.command("RCPT TO:<b@y.example>");
    client.command("DATA");
    client.send("x\r\n.\r\n");
    EXPECT_TRUE(client.closed_by_server());
    EXPECT_TRUE(server.messages().empty());
}

TEST(SmtpTestServer, StallNeverAnswersButOtherConnectionsAreServed)
{
    smtp_test_server server;
    server.inject(smtp_phase::mail, {smtp_fault::action::stall, "", 1});
    raw_smtp_client stalled(server.port());
    greet(stalled);
    stalled.send("MAIL FROM:<a@x.example>\r\n");
    EXPECT_EQ(stalled.try_reply(silence), std::nullopt);

    raw_smtp_client other(server.port());
    greet(other);
    EXPECT_THAT(send_message(other, "x\r\n"), StartsWith("250 "));
}

TEST(SmtpTestServer, DestroysWithStalledAndIdleConnectionsOpen)
{
    auto server = std::make_unique<smtp_test_server>();
    server->inject(smtp_phase::greeting, {smtp_fault::action::stall, "", 1});
    raw_smtp_client stalled(server->port());
    raw_smtp_client idle(server->port());
    greet(idle);
    idle.send("MAIL FROM:<a@x.example>\r\nRCPT TO:<b@y.example>\r\nDATA\r\n");
    for (int reply = 0; reply < 3; ++reply) {
        idle.reply();
    }
    idle.send("half a mess");
    EXPECT_EQ(stalled.try_reply(silence), std::nullopt);

    const auto start = std::chrono::steady_clock::now();
    server.reset();
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
    EXPECT_TRUE(stalled.closed_by_server());
    EXPECT_TRUE(idle.closed_by_server());
}

TEST(SmtpTestServer, DestroysWithAStalledTlsHandshake)
{
    smtp_server_options options;
    options.mode = smtp_mode::smtps;
    auto server = std::make_unique<smtp_test_server>(options);
    raw_smtp_client client(server->port()); // connects, never starts TLS
    client.send("EHLO c\r\n");              // not a ClientHello
    raw_smtp_client silent(server->port());
    server.reset();
    EXPECT_TRUE(silent.closed_by_server());
}

TEST(SmtpTestServer, SurvivesClientsThatLeaveAtAnyMoment)
{
    smtp_test_server server;
    for (const std::string cut : {"", "EHL", "EHLO c\r\nMAIL FROM:<a@x.example>\r\n",
                                  "EHLO c\r\nMAIL FROM:<a@x.example>\r\nRCPT TO:<b@y.example>\r\n"
                                  "DATA\r\npart of a message"}) {
        raw_smtp_client client(server.port());
        client.send(cut);
    }
    raw_smtp_client client(server.port());
    greet(client);
    EXPECT_THAT(send_message(client, "x\r\n"), StartsWith("250 "));
    EXPECT_EQ(server.messages().size(), 1u);
    EXPECT_EQ(server.connections_accepted(), 5u);
}

TEST(SmtpTestServer, RejectRecipient)
{
    smtp_test_server server;
    server.reject_recipient("gone@y.example", "550 5.1.1 <gone@y.example>: user unknown");
    raw_smtp_client client(server.port());
    greet(client);
    client.command("MAIL FROM:<a@x.example>");
    EXPECT_EQ(client.command("RCPT TO:<Gone@Y.example>"),
              "550 5.1.1 <gone@y.example>: user unknown");
    EXPECT_EQ(client.command("RCPT TO:<here@y.example>"), "250 2.1.5 Ok");
    client.command("DATA");
    client.send("x\r\n.\r\n");
    EXPECT_THAT(client.reply(), StartsWith("250 "));
    EXPECT_THAT(server.messages().at(0).recipients, ElementsAre("here@y.example"));
}

TEST(SmtpTestServer, DataWithOnlyRejectedRecipientsIsRefused)
{
    smtp_test_server server;
    server.reject_recipient("gone@y.example", "550 5.1.1 unknown");
    raw_smtp_client client(server.port());
    greet(client);
    client.command("MAIL FROM:<a@x.example>");
    client.command("RCPT TO:<gone@y.example>");
    EXPECT_THAT(client.command("DATA"), StartsWith("554 "));
}

TEST(SmtpTestServer, RemovesDotStuffing)
{
    smtp_test_server server;
    raw_smtp_client client(server.port());
    greet(client);
    EXPECT_THAT(send_message(client, "..leading dot\r\n..\r\nmiddle . dot\r\n...\r\n\r\n"),
                StartsWith("250 "));
    EXPECT_EQ(server.messages().at(0).data, ".leading dot\r\n.\r\nmiddle . dot\r\n..\r\n\r\n");
}

TEST(SmtpTestServer, EmptyMessageAndNullSender)
{
    smtp_test_server server;
    raw_smtp_client client(server.port());
    greet(client);
    EXPECT_THAT(client.command("MAIL FROM:<>"), StartsWith("250 "));
    client.command("RCPT TO:<b@y.example>");
    client.command("DATA");
    client.send(".\r\n");
    EXPECT_THAT(client.reply(), StartsWith("250 "));
    EXPECT_EQ(server.messages().at(0).mail_from, "");
    EXPECT_EQ(server.messages().at(0).data, "");
}

TEST(SmtpTestServer, OverLongCommandLine)
{
    smtp_test_server server;
    raw_smtp_client client(server.port());
    greet(client);
    // 998 octets and CRLF is the longest line there may be.
    EXPECT_EQ(client.command("NOOP " + std::string(993, 'x')), "250 2.0.0 Ok");
    EXPECT_EQ(client.command("NOOP " + std::string(994, 'x')), "500 5.5.2 line too long");
    // Far over, in pieces: one reply, and the session goes on.
    client.send("NOOP " + std::string(100'000, 'x'));
    client.send(std::string(100'000, 'y') + "\r\nNOOP\r\n");
    EXPECT_EQ(client.reply(), "500 5.5.2 line too long");
    EXPECT_EQ(client.reply(), "250 2.0.0 Ok");
    EXPECT_THAT(send_message(client, "x\r\n"), StartsWith("250 "));
}

TEST(SmtpTestServer, OverLongDataLineRefusesTheMessage)
{
    smtp_test_server server;
    raw_smtp_client client(server.port());
    greet(client);
    EXPECT_EQ(send_message(client, "short\r\n" + std::string(1200, 'x') + "\r\nshort\r\n"),
              "500 5.5.2 line too long");
    EXPECT_TRUE(server.messages().empty());
    EXPECT_THAT(send_message(client, std::string(998, 'x') + "\r\n"), StartsWith("250 "));
}

TEST(SmtpTestServer, SizeLimit)
{
    smtp_server_options options;
    options.size_limit = 1000;
    smtp_test_server server(options);
    raw_smtp_client client(server.port());
    greet(client);
    EXPECT_THAT(client.command("EHLO c"), HasSubstr("250-SIZE 1000\n"));
    EXPECT_EQ(client.command("MAIL FROM:<a@x.example> SIZE=1001"),
              "552 5.3.4 Message size exceeds fixed maximum message size");
    EXPECT_THAT(client.command("MAIL FROM:<a@x.example> SIZE=big"), StartsWith("501 "));
    EXPECT_THAT(client.command("MAIL FROM:<a@x.example> SIZE=1000"), StartsWith("250 "));
    EXPECT_THAT(client.command("RSET"), StartsWith("250 "));

    std::string big;
    for (int i = 0; i < 20; ++i) {
        big += std::string(98, 'x') + "\r\n";
    }
    EXPECT_THAT(send_message(client, big), StartsWith("552 5.3.4"));
    EXPECT_TRUE(server.messages().empty());
    EXPECT_THAT(send_message(client, big.substr(0, 1000)), StartsWith("250 "));
}

TEST(SmtpTestServer, WithoutEsmtpTheClientFallsBackToHelo)
{
    smtp_server_options options;
    options.esmtp = false;
    smtp_test_server server(options);
    raw_smtp_client client(server.port());
    client.reply();
    EXPECT_THAT(client.command("EHLO c"), StartsWith("502 "));
    EXPECT_EQ(client.command("HELO c"), "250 localhost");
    EXPECT_THAT(send_message(client, "x\r\n"), StartsWith("250 "));
    EXPECT_EQ(server.command_count("HELO"), 1u);
}

TEST(SmtpTestServer, UnadvertisedExtensions)
{
    smtp_server_options options;
    options.pipelining = false;
    options.eightbitmime = false;
    options.smtputf8 = false;
    options.hostname = "mx.test";
    smtp_test_server server(options);
    raw_smtp_client client(server.port());
    EXPECT_EQ(client.reply(), "220 mx.test ESMTP");
    const auto ehlo = client.command("EHLO c");
    EXPECT_THAT(ehlo, StartsWith("250-mx.test\n"));
    EXPECT_THAT(ehlo, Not(HasSubstr("PIPELINING")));
    EXPECT_THAT(ehlo, Not(HasSubstr("8BITMIME")));
    EXPECT_THAT(ehlo, Not(HasSubstr("SMTPUTF8")));
}

TEST(SmtpTestServer, CommandsOutOfSequenceAndUnknown)
{
    smtp_test_server server;
    raw_smtp_client client(server.port());
    client.reply();
    EXPECT_THAT(client.command("MAIL FROM:<a@x.example>"), StartsWith("503 "));
    EXPECT_THAT(client.command("EHLO"), StartsWith("501 "));
    client.command("EHLO c");
    EXPECT_THAT(client.command("RCPT TO:<b@y.example>"), StartsWith("503 "));
    EXPECT_THAT(client.command("DATA"), StartsWith("503 "));
    EXPECT_THAT(client.command("MAIL FROM:a@x.example"), StartsWith("501 "));
    EXPECT_THAT(client.command("MAIL TO:<a@x.example>"), StartsWith("501 "));
    EXPECT_THAT(client.command("MAIL FROM:<a@x.example"), StartsWith("501 "));
    EXPECT_THAT(client.command("MAIL FROM:<a@x.example>"), StartsWith("250 "));
    EXPECT_THAT(client.command("MAIL FROM:<a@x.example>"), StartsWith("503 "));
    EXPECT_THAT(client.command("RCPT TO:b@y.example"), StartsWith("501 "));
    EXPECT_THAT(client.command("DATA"), StartsWith("554 "));
    EXPECT_THAT(client.command("VRFY b"), StartsWith("500 "));
    EXPECT_THAT(client.command(""), StartsWith("500 "));
    EXPECT_THAT(client.command(std::string("\0\x01\xff", 3)), StartsWith("500 "));
    EXPECT_EQ(client.command("RSET"), "250 2.0.0 Ok");
    EXPECT_THAT(client.command("RCPT TO:<b@y.example>"), StartsWith("503 "));
    EXPECT_EQ(server.command_count("RSET"), 1u);
    EXPECT_EQ(server.command_count("MAIL"), 6u);
}

TEST(SmtpTestServer, WaitForMessages)
{
    smtp_test_server server;
    EXPECT_FALSE(server.wait_for_messages(1, 10ms));
    raw_smtp_client client(server.port());
    greet(client);
    client.send("MAIL FROM:<a@x.example>\r\nRCPT TO:<b@y.example>\r\nDATA\r\nx\r\n.\r\n");
    EXPECT_TRUE(server.wait_for_messages(1, 5s));
    EXPECT_THAT(server.transcript(), Contains("C: <message data: 1 lines, 3 octets>"));
}

} // namespace
} // namespace mailgate::testing
