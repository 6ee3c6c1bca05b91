// The pure pieces under the test SMTP server: splitting lines, parsing paths, formatting
// replies. The server tests cover them through a socket; these pin the edge cases.

#include "tests/support/line_buffer.hpp"
#include "tests/support/smtp_command.hpp"
#include "tests/support/smtp_reply.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace mailgate::testing {
namespace {

using ::testing::ElementsAre;

std::vector<received_line> drain(line_buffer& lines)
{
    std::vector<received_line> all;
    while (auto line = lines.next()) {
        all.push_back(*line);
    }
    return all;
}

TEST(LineBuffer, SplitsAtLfAndDropsTheCrBeforeIt)
{
    line_buffer lines(1000);
    lines.append("one\r\ntwo\nthree\r\r\nfour");
    const auto all = drain(lines);
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[0].text, "one");
    EXPECT_EQ(all[1].text, "two");
    EXPECT_EQ(all[2].text, "three\r");
    lines.append("\r\n");
    EXPECT_EQ(lines.next()->text, "four");
}

TEST(LineBuffer, LimitCountsTheLineEnd)
{
    line_buffer lines(10);
    lines.append("12345678\r\n123456789\r\n");
    const auto all = drain(lines);
    ASSERT_EQ(all.size(), 2u);
    EXPECT_FALSE(all[0].too_long);
    EXPECT_TRUE(all[1].too_long);
    EXPECT_EQ(all[1].text, "");
}

TEST(LineBuffer, DropsAnOverLongLineAsItArrivesAndReportsItOnce)
{
    line_buffer lines(10);
    for (int i = 0; i < 1000; ++i) {
        lines.append("xxxxxxxx");
        EXPECT_EQ(lines.next(), std::nullopt);
    }
    lines.append("\r\nnext\r\n");
    const auto all = drain(lines);
    ASSERT_EQ(all.size(), 2u);
    EXPECT_TRUE(all[0].too_long);
    EXPECT_EQ(all[1].text, "next");
}

TEST(LineBuffer, ClearForgetsPartialAndOverLongLines)
{
    line_buffer lines(10);
    lines.append("xxxxxxxxxxxxxxxxxxxx");
    EXPECT_EQ(lines.next(), std::nullopt);
    lines.clear();
    lines.append("ok\r\n");
    const auto line = lines.next();
    ASSERT_TRUE(line);
    EXPECT_FALSE(line->too_long);
    EXPECT_EQ(line->text, "ok");
}

TEST(SmtpCommand, VerbIsUpperCasedAndTheArgumentKept)
{
    const auto command = parse_command("mail FROM:<A@B>  x");
    EXPECT_EQ(command.verb, "MAIL");
    EXPECT_EQ(command.argument, "FROM:<A@B>  x");
    EXPECT_EQ(parse_command("quit").argument, "");
}

TEST(SmtpCommand, ParsePath)
{
    const auto path = parse_path("from: <a@b.example>  SIZE=1 SMTPUTF8 ", "FROM:");
    ASSERT_TRUE(path);
    EXPECT_EQ(path->address, "a@b.example");
    EXPECT_EQ(path->parameters, "SIZE=1 SMTPUTF8");
    EXPECT_EQ(parse_path("FROM:<>", "FROM:")->address, "");
    EXPECT_FALSE(parse_path("FROM:a@b", "FROM:"));
    EXPECT_FALSE(parse_path("FROM:<a@b", "FROM:"));
    EXPECT_FALSE(parse_path("TO:<a@b>", "FROM:"));
    EXPECT_FALSE(parse_path("", "FROM:"));
}

TEST(SmtpCommand, DeclaredSize)
{
    EXPECT_EQ(declared_size(""), 0u);
    EXPECT_EQ(declared_size("BODY=8BITMIME"), 0u);
    EXPECT_EQ(declared_size("BODY=8BITMIME size=1234"), 1234u);
    EXPECT_EQ(declared_size("SIZE="), std::nullopt);
    EXPECT_EQ(declared_size("SIZE"), std::nullopt);
    EXPECT_EQ(declared_size("SIZE=12x"), std::nullopt);
    EXPECT_EQ(declared_size("SIZE=-1"), std::nullopt);
    EXPECT_EQ(declared_size("SIZE=99999999999999999999999"), std::nullopt);
}

TEST(SmtpReply, FormatsMultiLineReplies)
{
    EXPECT_THAT(format_reply("250 ok"), ElementsAre("250 ok"));
    EXPECT_THAT(format_reply("451 a\n451 b\r\n451 c"), ElementsAre("451-a", "451-b", "451 c"));
    EXPECT_THAT(format_reply("250-a\n250-b"), ElementsAre("250-a", "250 b"));
    EXPECT_THAT(format_reply("334"), ElementsAre("334 "));
}

TEST(SmtpReply, Positive)
{
    EXPECT_TRUE(is_positive("250 ok"));
    EXPECT_TRUE(is_positive("354 go"));
    EXPECT_FALSE(is_positive("421 bye"));
    EXPECT_FALSE(is_positive("550 no"));
    EXPECT_FALSE(is_positive(""));
}

} // namespace
} // namespace mailgate::testing
