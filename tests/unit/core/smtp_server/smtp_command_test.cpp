#include "core/smtp_server/smtp_command.hpp"

#include <gtest/gtest.h>

#include <string>

namespace mailgate::core::smtp_server {
namespace {

mail_from mail_ok(std::string_view argument)
{
    auto r = parse_mail_from(argument);
    EXPECT_TRUE(std::holds_alternative<mail_from>(r)) << argument;
    return std::holds_alternative<mail_from>(r) ? std::get<mail_from>(r) : mail_from{};
}

argument_error mail_error(std::string_view argument)
{
    auto r = parse_mail_from(argument);
    EXPECT_TRUE(std::holds_alternative<argument_error>(r)) << argument;
    return std::holds_alternative<argument_error>(r) ? std::get<argument_error>(r)
                                                     : argument_error{};
}

std::optional<std::string> rcpt(std::string_view argument)
{
    auto r = parse_rcpt_to(argument);
    if (auto* ok = std::get_if<rcpt_to>(&r)) {
        return ok->forward_path;
    }
    return std::nullopt;
}

TEST(smtp_command, verbs_in_any_case_with_their_argument)
{
    EXPECT_EQ(parse_command("EHLO mx.example.com").verb, verb::ehlo);
    EXPECT_EQ(parse_command("ehlo mx.example.com").argument, "mx.example.com");
    EXPECT_EQ(parse_command("Mail FROM:<>").verb, verb::mail);
    EXPECT_EQ(parse_command("Mail FROM:<>").argument, "FROM:<>");
    EXPECT_EQ(parse_command("data").verb, verb::data);
    EXPECT_EQ(parse_command("QUIT  ").argument, "");
    EXPECT_EQ(parse_command("starttls").verb, verb::starttls);
    for (const char* v : {"HELO", "RCPT", "RSET", "NOOP", "VRFY", "HELP"}) {
        EXPECT_NE(parse_command(v).verb, verb::unknown) << v;
    }
}

TEST(smtp_command, unknown_and_hostile_verbs)
{
    EXPECT_EQ(parse_command("").verb, verb::unknown);
    EXPECT_EQ(parse_command("   ").verb, verb::unknown);
    EXPECT_EQ(parse_command("MAILFROM:<>").verb, verb::unknown);
    EXPECT_EQ(parse_command("GET / HTTP/1.1").verb, verb::unknown);
    EXPECT_EQ(parse_command("BDAT 10 LAST").verb, verb::unknown);
    EXPECT_EQ(parse_command("AUTH PLAIN AGFiAGM=").verb, verb::unknown);
    EXPECT_EQ(parse_command(std::string("DA\0TA", 5)).verb, verb::unknown);
    EXPECT_EQ(parse_command("DATAX").verb, verb::unknown);
    EXPECT_EQ(parse_command("\xff\xfe").verb, verb::unknown);
    EXPECT_EQ(parse_command("x").argument, "");
}

TEST(smtp_command, null_sender_and_parameters)
{
    EXPECT_EQ(mail_ok("FROM:<>").reverse_path, "");
    EXPECT_EQ(mail_ok("from: <>").reverse_path, "");
    const auto m = mail_ok("FROM:<> SIZE=12345 BODY=8BITMIME SMTPUTF8");
    EXPECT_EQ(m.size, 12345u);
    EXPECT_EQ(m.body, body_type::eight_bit_mime);
    EXPECT_TRUE(m.smtputf8);
    EXPECT_EQ(mail_ok("FROM:<a@b.example>  body=7bit").body, body_type::seven_bit);
    EXPECT_EQ(mail_ok("FROM:<MAILER-DAEMON@mx.example>").reverse_path, "MAILER-DAEMON@mx.example");
}

TEST(smtp_command, paths_quoted_routed_and_international)
{
    EXPECT_EQ(mail_ok("FROM:<\"john doe\"@example.com>").reverse_path, "\"john doe\"@example.com");
    EXPECT_EQ(mail_ok("FROM:<\"a>b\\\"c\"@example.com>").reverse_path, "\"a>b\\\"c\"@example.com");
    EXPECT_EQ(mail_ok("FROM:<@relay1,@relay2:user@example.com>").reverse_path, "user@example.com");
    EXPECT_EQ(mail_ok("FROM:<user@[192.0.2.1]>").reverse_path, "user@[192.0.2.1]");
    EXPECT_EQ(mail_ok("FROM:<j\xc3\xb6rg@b\xc3\xbc\x63her.example> SMTPUTF8").reverse_path,
              "j\xc3\xb6rg@b\xc3\xbc\x63her.example");
    EXPECT_EQ(rcpt("TO:<b-abc.def@bounce.example.com>"), "b-abc.def@bounce.example.com");
    EXPECT_EQ(rcpt("to:<Postmaster>"), "Postmaster");
}

TEST(smtp_command, malformed_paths_are_syntax_errors)
{
    for (const char* bad : {"",
                            "FROM:",
                            "FROM:a@b",
                            "FROM:<a@b",
                            "FROM:a@b>",
                            "TO:<a@b>",
                            "FROM:<a@b>SIZE=1",
                            "FROM:<a b@c>",
                            "FROM:<a@>",
                            "FROM:<@b>",
                            "FROM:<ab>",
                            "FROM:<a@b\r>",
                            "FROM:<a@b\x7f>",
                            "FROM:<<a@b>>",
                            "FROM:<@relay:>",
                            "FROM:<@relay>",
                            "FROM:<\"open@b>",
                            "FROM:<\"a\\",
                            "FROM:<a@.b>",
                            "FROM:<a@b\"c\">"}) {
        EXPECT_EQ(mail_error(bad).what, argument_error::syntax) << bad;
    }
    EXPECT_FALSE(rcpt("TO:<>"));
    EXPECT_FALSE(rcpt("TO:"));
    EXPECT_FALSE(rcpt("FROM:<a@b>"));
    EXPECT_FALSE(rcpt(std::string("TO:<a\0@b>", 10)));
}

TEST(smtp_command, path_length_is_bounded)
{
    const std::string local(250, 'a');
    EXPECT_EQ(mail_ok("FROM:<" + local.substr(0, 240) + "@b.example>").reverse_path.size(), 250u);
    EXPECT_EQ(mail_error("FROM:<" + local + "@b.example>").reason, "Path too long");
    EXPECT_FALSE(rcpt("TO:<" + std::string(100000, 'x') + "@b>"));
}

TEST(smtp_command, parameters_malformed_repeated_or_unknown)
{
    for (const char* bad :
         {"FROM:<> SIZE=", "FROM:<> SIZE", "FROM:<> SIZE=12x", "FROM:<> SIZE=-1",
          "FROM:<> SIZE=99999999999999999999999", "FROM:<> SIZE=1 SIZE=2", "FROM:<> SMTPUTF8=yes",
          "FROM:<> SMTPUTF8 SMTPUTF8", "FROM:<> BODY", "FROM:<> BODY=7BIT BODY=8BITMIME",
          "FROM:<> =x", "FROM:<> -A=1", "FROM:<> A=b=c", "FROM:<> K\xc3\xa9=1", "FROM:<> A=\x01"}) {
        EXPECT_EQ(mail_error(bad).what, argument_error::syntax) << bad;
    }
    EXPECT_EQ(mail_error("FROM:<> BODY=BINARYMIME").what, argument_error::unknown_parameter);
    EXPECT_EQ(mail_error("FROM:<> RET=HDRS").what, argument_error::unknown_parameter);
    EXPECT_EQ(mail_error("FROM:<> AUTH=<>").what, argument_error::unknown_parameter);
    auto r = parse_rcpt_to("TO:<a@b> NOTIFY=NEVER");
    ASSERT_TRUE(std::holds_alternative<argument_error>(r));
    EXPECT_EQ(std::get<argument_error>(r).what, argument_error::unknown_parameter);
    r = parse_rcpt_to("TO:<a@b> =");
    ASSERT_TRUE(std::holds_alternative<argument_error>(r));
    EXPECT_EQ(std::get<argument_error>(r).what, argument_error::syntax);
}

TEST(smtp_command, helo_names)
{
    EXPECT_EQ(parse_helo_name("mx.example.com"), "mx.example.com");
    EXPECT_EQ(parse_helo_name("[192.0.2.1]"), "[192.0.2.1]");
    EXPECT_EQ(parse_helo_name("host extra words"), "host");
    EXPECT_FALSE(parse_helo_name(""));
    EXPECT_FALSE(parse_helo_name("a\rb"));
    EXPECT_FALSE(parse_helo_name(std::string(256, 'a')));
}

} // namespace
} // namespace mailgate::core::smtp_server
