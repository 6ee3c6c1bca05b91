#include "client_test_support.hpp"
#include "core/encoding/base64.hpp"
#include "core/outbound/smtp/send_once.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace mailgate::core::outbound::smtp {
namespace {

using namespace test_support;
using mailgate::testing::smtp_mode;
using mailgate::testing::smtp_server_options;
using mailgate::testing::smtp_test_server;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

const envelope test_envelope{"sender@example.com", "rcpt@example.com", false};

send_outcome send(const smtp_client_settings& settings, const std::string& message,
                  const envelope& env = test_envelope,
                  std::vector<transcript_line>* transcript = nullptr)
{
    boost::asio::io_context ioc;
    return run(ioc, send_once(settings, env, message, transcript));
}

// Asserts delivery of `message` and returns what the server received.
mailgate::testing::received_message delivered(const smtp_test_server& server,
                                              const smtp_client_settings& settings,
                                              const std::string& message)
{
    const auto outcome = send(settings, message);
    EXPECT_TRUE(outcome.ok()) << outcome.phase << ": " << outcome.error << outcome.reply.str();
    EXPECT_EQ(outcome.phase, "sent");
    EXPECT_EQ(outcome.reply.code, 250);
    const auto messages = server.messages();
    EXPECT_EQ(messages.size(), 1u);
    if (messages.empty()) {
        return {};
    }
    EXPECT_EQ(outcome.provider_message_id, messages.front().queue_id);
    EXPECT_FALSE(outcome.provider_message_id.empty());
    return messages.front();
}

TEST(send_once, plain_smtp_delivers_the_message_as_sent)
{
    smtp_test_server server(server_options(smtp_mode::plain));
    const auto message = test_message(".starts with a dot\r\n..two dots\r\n.\r\nend\r\n");
    const auto received = delivered(server, settings_for(server, smtp_scheme::smtp), message);
    EXPECT_EQ(received.data, message);
    EXPECT_EQ(received.mail_from, "sender@example.com");
    EXPECT_EQ(received.recipients, std::vector<std::string>{"rcpt@example.com"});
    EXPECT_FALSE(received.tls);
}

TEST(send_once, starttls_delivers_over_tls)
{
    smtp_test_server server(server_options(smtp_mode::starttls));
    const auto message = test_message(".dot\r\n");
    const auto outcome = send(settings_for(server, smtp_scheme::starttls), message);
    ASSERT_TRUE(outcome.ok()) << outcome.error << outcome.reply.str();
    EXPECT_THAT(outcome.tls_version, StartsWith("TLSv1."));
    EXPECT_FALSE(outcome.tls_cipher.empty());
    ASSERT_EQ(server.messages().size(), 1u);
    EXPECT_EQ(server.messages().front().data, message);
    EXPECT_TRUE(server.messages().front().tls);
    EXPECT_EQ(server.command_count("STARTTLS"), 1u);
    EXPECT_EQ(server.command_count("EHLO"), 2u); // again after the handshake
}

TEST(send_once, smtps_delivers_a_body_without_final_line_end)
{
    smtp_test_server server(server_options(smtp_mode::smtps));
    const auto message = test_message("last line without CRLF");
    const auto outcome = send(settings_for(server, smtp_scheme::smtps), message);
    ASSERT_TRUE(outcome.ok()) << outcome.error << outcome.reply.str();
    EXPECT_THAT(outcome.tls_version, StartsWith("TLSv1."));
    ASSERT_EQ(server.messages().size(), 1u);
    EXPECT_EQ(server.messages().front().data, message + "\r\n");
    EXPECT_TRUE(server.messages().front().tls);
}

TEST(send_once, opportunistic_starttls_upgrades_when_offered)
{
    smtp_test_server server(server_options(smtp_mode::starttls));
    auto settings = settings_for(server, smtp_scheme::smtp);
    settings.opportunistic_starttls = true;
    EXPECT_TRUE(delivered(server, settings, test_message()).tls);
}

TEST(send_once, plain_scheme_stays_plain_without_opportunistic_starttls)
{
    auto options = server_options(smtp_mode::starttls);
    options.require_tls = false;
    smtp_test_server server(options);
    EXPECT_FALSE(delivered(server, settings_for(server, smtp_scheme::smtp), test_message()).tls);
    EXPECT_EQ(server.command_count("STARTTLS"), 0u);
}

smtp_server_options with_auth(std::vector<std::string> mechanisms)
{
    auto options = server_options(smtp_mode::starttls);
    options.username = "user@example.com";
    options.password = "s3cret-Pa55";
    options.auth_mechanisms = std::move(mechanisms);
    return options;
}

smtp_client_settings authenticated(const smtp_test_server& server, std::string password)
{
    auto settings = settings_for(server, smtp_scheme::starttls);
    settings.username = "user@example.com";
    settings.password = std::move(password);
    return settings;
}

TEST(send_once, auth_plain_when_only_plain_is_offered)
{
    smtp_test_server server(with_auth({"PLAIN"}));
    const auto received = delivered(server, authenticated(server, "s3cret-Pa55"), test_message());
    EXPECT_EQ(received.auth_user, "user@example.com");
    EXPECT_EQ(server.command_count("AUTH"), 1u);
}

TEST(send_once, auth_login_when_only_login_is_offered)
{
    smtp_test_server server(with_auth({"LOGIN"}));
    const auto received = delivered(server, authenticated(server, "s3cret-Pa55"), test_message());
    EXPECT_EQ(received.auth_user, "user@example.com");
}

TEST(send_once, plain_is_preferred_over_login)
{
    smtp_test_server server(with_auth({"LOGIN", "PLAIN"}));
    std::vector<transcript_line> transcript;
    const auto outcome =
        send(authenticated(server, "s3cret-Pa55"), test_message(), test_envelope, &transcript);
    ASSERT_TRUE(outcome.ok());
    EXPECT_TRUE(std::any_of(transcript.begin(), transcript.end(),
                            [](const auto& line) { return line.text == "AUTH PLAIN ****"; }));
}

TEST(send_once, wrong_credentials_are_a_permanent_dispatch_failure)
{
    for (const auto* mechanism : {"PLAIN", "LOGIN"}) {
        smtp_test_server server(with_auth({mechanism}));
        const auto outcome = send(authenticated(server, "wrong"), test_message());
        EXPECT_EQ(outcome.failure, failure_class::dispatch_failed) << mechanism;
        EXPECT_TRUE(outcome.permanent);
        EXPECT_EQ(outcome.phase, "auth");
        EXPECT_EQ(outcome.reply.code, 535);
        EXPECT_TRUE(server.messages().empty());
    }
}

TEST(send_once, credentials_without_an_offered_mechanism_are_refused_before_sending)
{
    smtp_test_server server(with_auth({"CRAM-MD5"}));
    const auto outcome = send(authenticated(server, "s3cret-Pa55"), test_message());
    EXPECT_EQ(outcome.failure, failure_class::dispatch_failed);
    EXPECT_TRUE(outcome.permanent);
    EXPECT_EQ(outcome.phase, "auth");
    EXPECT_THAT(outcome.error, HasSubstr("neither AUTH PLAIN nor AUTH LOGIN"));
    EXPECT_EQ(server.command_count("AUTH"), 0u);
}

TEST(send_once, starttls_scheme_fails_when_the_server_does_not_offer_it)
{
    smtp_test_server server(server_options(smtp_mode::plain));
    const auto outcome = send(settings_for(server, smtp_scheme::starttls), test_message());
    EXPECT_EQ(outcome.failure, failure_class::connection_error);
    EXPECT_FALSE(outcome.permanent);
    EXPECT_EQ(outcome.phase, "starttls");
    EXPECT_THAT(outcome.error, HasSubstr("does not offer STARTTLS"));
    EXPECT_EQ(server.command_count("MAIL"), 0u);
}

TEST(send_once, an_untrusted_certificate_fails_verification)
{
    smtp_test_server server(server_options(smtp_mode::smtps));
    auto settings = settings_for(server, smtp_scheme::smtps);
    settings.ca_file.clear(); // the system store, which does not know the test certificate
    const auto outcome = send(settings, test_message());
    EXPECT_EQ(outcome.failure, failure_class::connection_error);
    EXPECT_FALSE(outcome.permanent);
    EXPECT_EQ(outcome.phase, "tls");
    EXPECT_THAT(outcome.error, StartsWith("certificate verify failed: "));
    EXPECT_THAT(outcome.error, HasSubstr("self-signed"));
    EXPECT_TRUE(server.messages().empty());
}

TEST(send_once, a_certificate_for_another_host_fails_verification)
{
    auto options = server_options(smtp_mode::starttls);
    options.certificate = mailgate::testing::make_test_certificate({"other.example"}, false);
    smtp_test_server server(options);
    auto settings = settings_for(server, smtp_scheme::starttls);
    settings.ca_file = options.certificate->certificate.string(); // trusted, but not ours
    const auto outcome = send(settings, test_message());
    EXPECT_EQ(outcome.failure, failure_class::connection_error);
    EXPECT_EQ(outcome.phase, "tls");
    EXPECT_EQ(outcome.error, "certificate verify failed: hostname mismatch");
    EXPECT_TRUE(server.messages().empty());
}

TEST(send_once, verify_tls_off_accepts_any_certificate)
{
    auto options = server_options(smtp_mode::smtps);
    options.certificate = mailgate::testing::make_test_certificate({"other.example"}, false);
    smtp_test_server server(options);
    auto settings = settings_for(server, smtp_scheme::smtps);
    settings.ca_file.clear();
    settings.verify_tls = false;
    EXPECT_TRUE(delivered(server, settings, test_message()).tls);
}

TEST(send_once, an_unreadable_ca_file_is_a_connection_error_naming_it)
{
    smtp_test_server server(server_options(smtp_mode::smtps));
    auto settings = settings_for(server, smtp_scheme::smtps);
    settings.ca_file = "/nonexistent/ca.pem";
    const auto outcome = send(settings, test_message());
    EXPECT_EQ(outcome.failure, failure_class::connection_error);
    EXPECT_EQ(outcome.phase, "tls");
    EXPECT_THAT(outcome.error, HasSubstr("/nonexistent/ca.pem"));
}

TEST(send_once, helo_when_the_server_refuses_ehlo)
{
    auto options = server_options(smtp_mode::plain);
    options.esmtp = false;
    smtp_test_server server(options);
    const auto received =
        delivered(server, settings_for(server, smtp_scheme::smtp), test_message("caf\xc3\xa9\r\n"));
    EXPECT_EQ(server.command_count("HELO"), 1u);
    EXPECT_EQ(received.mail_parameters, ""); // no extensions without EHLO
}

TEST(send_once, size_and_8bitmime_parameters_when_offered)
{
    smtp_test_server server(server_options(smtp_mode::plain));
    const auto message = test_message("caf\xc3\xa9\r\n");
    const auto received = delivered(server, settings_for(server, smtp_scheme::smtp), message);
    EXPECT_EQ(received.mail_parameters,
              "SIZE=" + std::to_string(message.size()) + " BODY=8BITMIME");
    EXPECT_EQ(received.data, message);
}

TEST(send_once, no_body_parameter_for_seven_bit_data)
{
    smtp_test_server server(server_options(smtp_mode::plain));
    const auto message = test_message();
    const auto received = delivered(server, settings_for(server, smtp_scheme::smtp), message);
    EXPECT_EQ(received.mail_parameters, "SIZE=" + std::to_string(message.size()));
}

TEST(send_once, no_parameters_the_server_does_not_offer)
{
    auto options = server_options(smtp_mode::plain);
    options.eightbitmime = false;
    smtp_test_server server(options);
    const auto received =
        delivered(server, settings_for(server, smtp_scheme::smtp), test_message("\xc3\xa9\r\n"));
    EXPECT_THAT(received.mail_parameters, Not(HasSubstr("BODY=")));
}

TEST(send_once, a_message_over_the_advertised_size_is_refused_before_mail)
{
    auto options = server_options(smtp_mode::plain);
    options.size_limit = 100;
    smtp_test_server server(options);
    const auto outcome =
        send(settings_for(server, smtp_scheme::smtp), test_message(std::string(200, 'x')));
    EXPECT_EQ(outcome.failure, failure_class::dispatch_failed);
    EXPECT_TRUE(outcome.permanent);
    EXPECT_EQ(outcome.phase, "mail");
    EXPECT_THAT(outcome.error, HasSubstr("over the server's limit of 100 bytes"));
    EXPECT_EQ(server.command_count("MAIL"), 0u);
}

TEST(send_once, smtputf8_is_asked_for_when_the_envelope_needs_it)
{
    smtp_test_server server(server_options(smtp_mode::plain));
    const envelope env{"s\xc3\xa9nder@example.com",
                       "rcpt@b\xc3\xbc"
                       "cher.example",
                       true};
    const auto outcome = send(settings_for(server, smtp_scheme::smtp), test_message(), env);
    ASSERT_TRUE(outcome.ok()) << outcome.reply.str();
    ASSERT_EQ(server.messages().size(), 1u);
    EXPECT_THAT(server.messages().front().mail_parameters, HasSubstr("SMTPUTF8"));
    EXPECT_EQ(server.messages().front().recipients.front(), env.to);
}

TEST(send_once, smtputf8_needed_but_not_offered_is_a_permanent_failure)
{
    auto options = server_options(smtp_mode::plain);
    options.smtputf8 = false;
    smtp_test_server server(options);
    const envelope env{"sender@example.com",
                       "rcpt@b\xc3\xbc"
                       "cher.example",
                       true};
    const auto outcome = send(settings_for(server, smtp_scheme::smtp), test_message(), env);
    EXPECT_EQ(outcome.failure, failure_class::dispatch_failed);
    EXPECT_TRUE(outcome.permanent);
    EXPECT_EQ(outcome.phase, "mail");
    EXPECT_THAT(outcome.error, HasSubstr("SMTPUTF8"));
    EXPECT_EQ(server.command_count("MAIL"), 0u);
}

std::string all_text(const std::vector<transcript_line>& transcript)
{
    std::string text;
    for (const auto& line : transcript) {
        text += line.from;
        text += ": " + line.text + "\n";
    }
    return text;
}

bool has_line(const std::vector<transcript_line>& transcript, char from, std::string_view text)
{
    return std::any_of(transcript.begin(), transcript.end(), [&](const transcript_line& line) {
        return line.from == from && line.text == text;
    });
}

TEST(send_once, transcript_records_the_conversation_without_credentials)
{
    smtp_test_server server(with_auth({"PLAIN"}));
    const auto settings = authenticated(server, "s3cret-Pa55");
    const auto message = test_message();
    std::vector<transcript_line> transcript;
    const auto outcome = send(settings, message, test_envelope, &transcript);
    ASSERT_TRUE(outcome.ok());
    const auto text = all_text(transcript);
    EXPECT_THAT(text, HasSubstr("*: connected to localhost (127.0.0.1) port "));
    EXPECT_THAT(text, HasSubstr("S: 220 localhost ESMTP"));
    EXPECT_TRUE(has_line(transcript, 'C', "EHLO localhost"));
    EXPECT_TRUE(has_line(transcript, 'C', "STARTTLS"));
    EXPECT_THAT(text,
                HasSubstr("*: TLS established: " + outcome.tls_version + " " + outcome.tls_cipher));
    EXPECT_TRUE(has_line(transcript, 'C', "AUTH PLAIN ****"));
    EXPECT_THAT(text, HasSubstr("S: 235 2.7.0"));
    EXPECT_TRUE(has_line(transcript, 'C',
                         "MAIL FROM:<sender@example.com> SIZE=" + std::to_string(message.size())));
    EXPECT_TRUE(has_line(transcript, 'C', "RCPT TO:<rcpt@example.com>"));
    EXPECT_TRUE(has_line(transcript, 'C', "DATA"));
    EXPECT_TRUE(has_line(transcript, 'C', "<" + std::to_string(message.size()) + " bytes>"));
    EXPECT_THAT(text, HasSubstr("S: 250 2.0.0 Ok: queued as " + outcome.provider_message_id));
    EXPECT_TRUE(has_line(transcript, 'C', "QUIT"));
    EXPECT_THAT(text, Not(HasSubstr("Subject: test"))); // the message itself is not recorded
    EXPECT_THAT(text, Not(HasSubstr("s3cret-Pa55")));
    EXPECT_THAT(text, Not(HasSubstr(encoding::base64_encode(
                          std::string(1, '\0') + "user@example.com" + '\0' + "s3cret-Pa55"))));
}

TEST(send_once, transcript_of_auth_login_hides_both_lines)
{
    smtp_test_server server(with_auth({"LOGIN"}));
    std::vector<transcript_line> transcript;
    ASSERT_TRUE(
        send(authenticated(server, "s3cret-Pa55"), test_message(), test_envelope, &transcript)
            .ok());
    const auto text = all_text(transcript);
    EXPECT_TRUE(has_line(transcript, 'C', "AUTH LOGIN"));
    EXPECT_EQ(std::count_if(transcript.begin(), transcript.end(),
                            [](const auto& line) { return line.text == "****"; }),
              2);
    EXPECT_THAT(text, Not(HasSubstr("s3cret-Pa55")));
    EXPECT_THAT(text, Not(HasSubstr(encoding::base64_encode("s3cret-Pa55"))));
    EXPECT_THAT(text, Not(HasSubstr(encoding::base64_encode("user@example.com"))));
}

TEST(send_once, transcript_ends_with_the_failure)
{
    smtp_test_server server(server_options(smtp_mode::plain));
    server.reject_recipient("rcpt@example.com", "550 5.1.1 <rcpt@example.com>: user unknown");
    std::vector<transcript_line> transcript;
    const auto outcome =
        send(settings_for(server, smtp_scheme::smtp), test_message(), test_envelope, &transcript);
    EXPECT_EQ(outcome.failure, failure_class::invalid_address);
    EXPECT_THAT(all_text(transcript),
                HasSubstr("*: failed at rcpt: 550 5.1.1 <rcpt@example.com>: user unknown"));
    EXPECT_TRUE(has_line(transcript, 'C', "QUIT"));
}

} // namespace
} // namespace mailgate::core::outbound::smtp
