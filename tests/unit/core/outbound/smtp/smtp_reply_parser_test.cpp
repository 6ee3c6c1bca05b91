#include "core/outbound/smtp/smtp_reply_parser.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace mailgate::core::outbound::smtp {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

smtp_reply parse_one(std::string_view bytes)
{
    smtp_reply_parser parser;
    parser.feed(bytes);
    auto reply = parser.next();
    EXPECT_TRUE(reply.has_value());
    EXPECT_FALSE(parser.has_pending());
    return reply.value_or(smtp_reply{});
}

std::string error_of(std::string_view bytes)
{
    smtp_reply_parser parser;
    parser.feed(bytes);
    try {
        while (parser.next()) {
        }
    } catch (const smtp_protocol_error& e) {
        return e.what();
    }
    return "no error";
}

TEST(smtp_reply_parser, single_line_with_enhanced_code)
{
    const auto reply = parse_one("550 5.1.1 <x@example.com>: user unknown\r\n");
    EXPECT_EQ(reply.code, 550);
    EXPECT_EQ(reply.enhanced, "5.1.1");
    EXPECT_THAT(reply.lines, ElementsAre("<x@example.com>: user unknown"));
    EXPECT_EQ(reply.str(), "550 5.1.1 <x@example.com>: user unknown");
}

TEST(smtp_reply_parser, multi_line_reply_is_one_reply_with_every_line)
{
    const auto reply = parse_one("250-mx.example.com greets you\r\n250-PIPELINING\r\n"
                                 "250-SIZE 1000\r\n250 8BITMIME\r\n");
    EXPECT_EQ(reply.code, 250);
    EXPECT_EQ(reply.enhanced, "");
    EXPECT_THAT(reply.lines,
                ElementsAre("mx.example.com greets you", "PIPELINING", "SIZE 1000", "8BITMIME"));
    EXPECT_EQ(reply.str(), "250 mx.example.com greets you PIPELINING SIZE 1000 8BITMIME");
}

TEST(smtp_reply_parser, enhanced_code_is_taken_off_every_line_that_repeats_it)
{
    const auto reply = parse_one("451-4.3.0 first\r\n451 4.3.0 second\r\n");
    EXPECT_EQ(reply.enhanced, "4.3.0");
    EXPECT_THAT(reply.lines, ElementsAre("first", "second"));
    EXPECT_EQ(reply.str(), "451 4.3.0 first second");
}

TEST(smtp_reply_parser, text_that_only_looks_like_an_enhanced_code_stays_text)
{
    // The class must match the reply's, and subject and detail have at most three digits.
    EXPECT_EQ(parse_one("550 4.1.1 mismatch\r\n").enhanced, "");
    EXPECT_EQ(parse_one("550 5.1234.1 long\r\n").enhanced, "");
    EXPECT_EQ(parse_one("550 5.1.1x text\r\n").enhanced, "");
    EXPECT_EQ(parse_one("250 2.0.0\r\n").enhanced, "2.0.0");
    EXPECT_EQ(parse_one("250 2.0.0\r\n").str(), "250 2.0.0");
}

TEST(smtp_reply_parser, bare_code_and_bare_lf_are_accepted)
{
    const auto reply = parse_one("250\n");
    EXPECT_EQ(reply.code, 250);
    EXPECT_THAT(reply.lines, ElementsAre(""));
    EXPECT_EQ(reply.str(), "250");
}

TEST(smtp_reply_parser, bytes_arriving_one_at_a_time_make_the_same_replies)
{
    const std::string stream = "250 2.1.0 Ok\r\n250-2.1.5 Ok\r\n250 2.1.5 still\r\n354 go\r\n";
    smtp_reply_parser parser;
    std::vector<std::string> replies;
    for (char c : stream) {
        parser.feed(std::string_view(&c, 1));
        while (auto reply = parser.next()) {
            replies.push_back(reply->str());
        }
    }
    EXPECT_THAT(replies, ElementsAre("250 2.1.0 Ok", "250 2.1.5 Ok still", "354 go"));
    EXPECT_FALSE(parser.has_pending());
}

TEST(smtp_reply_parser, pipelined_replies_in_one_read_come_out_one_by_one)
{
    smtp_reply_parser parser;
    parser.feed("250 ok\r\n550 5.1.1 no\r\n554 no valid recipients\r\n");
    EXPECT_EQ(parser.next()->code, 250);
    EXPECT_TRUE(parser.has_pending());
    EXPECT_EQ(parser.next()->code, 550);
    EXPECT_EQ(parser.next()->code, 554);
    EXPECT_FALSE(parser.next().has_value());
}

TEST(smtp_reply_parser, raw_lines_are_what_the_server_sent)
{
    smtp_reply_parser parser;
    parser.feed("250-first\r\n250 2.0.0 second\r\n");
    ASSERT_TRUE(parser.next());
    EXPECT_THAT(parser.raw_lines(), ElementsAre("250-first", "250 2.0.0 second"));
}

// What a server says goes into transcripts, last_reply, events and logs.
TEST(smtp_reply_parser, control_characters_in_a_reply_are_escaped)
{
    smtp_reply_parser parser;
    parser.feed("550-5.7.1 a\rb\x1b[2J\r\n550 5.7.1 c\x7f\r\n");
    const auto reply = parser.next();
    ASSERT_TRUE(reply);
    EXPECT_THAT(reply->lines, ElementsAre("a\\x0Db\\x1B[2J", "c\\x7F"));
    EXPECT_EQ(reply->str(), "550 5.7.1 a\\x0Db\\x1B[2J c\\x7F");
    EXPECT_THAT(parser.raw_lines(), ElementsAre("550-5.7.1 a\\x0Db\\x1B[2J", "550 5.7.1 c\\x7F"));
}

TEST(smtp_reply_parser, incomplete_reply_waits_for_more)
{
    smtp_reply_parser parser;
    parser.feed("250-first\r\n250 sec");
    EXPECT_FALSE(parser.next().has_value());
    EXPECT_TRUE(parser.has_pending());
    parser.feed("ond\r\n");
    EXPECT_THAT(parser.next()->lines, ElementsAre("first", "second"));
}

TEST(smtp_reply_parser, garbage_is_a_protocol_error_that_shows_it_defused)
{
    EXPECT_THAT(error_of("HTTP/1.1 400 Bad Request\r\n"),
                HasSubstr("malformed reply line from the server: \"HTTP/1.1 400 Bad Request\""));
    EXPECT_THAT(error_of(std::string("25\x01\x02 x\r\n", 8)), HasSubstr("\"25\\x01\\x02 x\""));
    EXPECT_THAT(error_of("\r\n"), HasSubstr("malformed"));
    EXPECT_THAT(error_of("099 too low\r\n"), HasSubstr("malformed"));
    EXPECT_THAT(error_of("600 too high\r\n"), HasSubstr("malformed"));
    EXPECT_THAT(error_of("250x\r\n"), HasSubstr("malformed"));
}

TEST(smtp_reply_parser, shown_garbage_is_cut_short)
{
    const auto error = error_of(std::string(1000, 'A') + "\r\n");
    EXPECT_LT(error.size(), 200u);
    EXPECT_THAT(error, HasSubstr("..."));
}

TEST(smtp_reply_parser, a_multi_line_reply_may_not_change_its_code)
{
    EXPECT_THAT(error_of("250-first\r\n550 second\r\n"), HasSubstr("changed its code"));
}

TEST(smtp_reply_parser, an_over_long_line_is_refused_before_its_end_arrives)
{
    smtp_reply_parser parser;
    parser.feed("250 " + std::string(smtp_reply_parser::max_line_length, 'x'));
    EXPECT_THROW(parser.next(), smtp_protocol_error);
    EXPECT_THAT(error_of("250 " + std::string(smtp_reply_parser::max_line_length, 'x') + "\r\n"),
                HasSubstr("longer than 2048 bytes"));
}

TEST(smtp_reply_parser, a_line_at_the_limit_is_accepted)
{
    const auto text = std::string(smtp_reply_parser::max_line_length - 6, 'x');
    EXPECT_EQ(parse_one("250 " + text + "\r\n").lines.front(), text);
}

TEST(smtp_reply_parser, a_reply_that_never_ends_is_refused_at_the_line_limit)
{
    std::string endless;
    for (std::size_t i = 0; i <= smtp_reply_parser::max_lines; ++i) {
        endless += "250-more\r\n";
    }
    EXPECT_THAT(error_of(endless), HasSubstr("a reply of more than 256 lines"));
}

} // namespace
} // namespace mailgate::core::outbound::smtp
