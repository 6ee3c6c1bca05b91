#include "core/outbound/smtp_data.hpp"

#include <gtest/gtest.h>

namespace mailgate::core::outbound {
namespace {

TEST(smtp_data, lines_starting_with_a_dot_are_stuffed_and_the_end_is_marked)
{
    const std::string_view message = "Subject: x\r\n\r\n.\r\n..two\r\nmid.dot\r\n";
    const auto data = make_smtp_data(message);
    EXPECT_EQ(data.wire, "Subject: x\r\n\r\n..\r\n...two\r\nmid.dot\r\n.\r\n");
    EXPECT_EQ(data.message_size, message.size());
    EXPECT_FALSE(data.eight_bit);
}

TEST(smtp_data, first_line_dot_is_stuffed)
{
    EXPECT_EQ(make_smtp_data(".hidden\r\n").wire, "..hidden\r\n.\r\n");
}

TEST(smtp_data, missing_final_line_end_is_added)
{
    const auto data = make_smtp_data("Subject: x\r\n\r\nno newline");
    EXPECT_EQ(data.wire, "Subject: x\r\n\r\nno newline\r\n.\r\n");
    EXPECT_EQ(data.message_size, data.wire.size() - 3);
}

TEST(smtp_data, bare_line_ends_cannot_smuggle_an_end_of_data)
{
    // "\n.\n" and "\r.\r" end the DATA for some servers: both become stuffed CRLF lines.
    EXPECT_EQ(make_smtp_data("a\n.\nMAIL FROM:<x>\r\n").wire, "a\r\n..\r\nMAIL FROM:<x>\r\n.\r\n");
    EXPECT_EQ(make_smtp_data("a\r.\rb").wire, "a\r\n..\r\nb\r\n.\r\n");
    EXPECT_EQ(make_smtp_data("a\r\n.\n").wire, "a\r\n..\r\n.\r\n");
}

TEST(smtp_data, empty_message_is_just_the_end)
{
    const auto data = make_smtp_data("");
    EXPECT_EQ(data.wire, ".\r\n");
    EXPECT_EQ(data.message_size, 0u);
}

TEST(smtp_data, eight_bit_bytes_are_noticed)
{
    EXPECT_TRUE(make_smtp_data("Subject: caf\xc3\xa9\r\n").eight_bit);
    EXPECT_FALSE(make_smtp_data("Subject: cafe\r\n").eight_bit);
}

// The check runs a word at a time: a high byte is found at every offset, the tail included.
TEST(smtp_data, an_eight_bit_byte_is_noticed_at_any_offset)
{
    const std::string ascii(21, 'a');
    EXPECT_FALSE(make_smtp_data(ascii).eight_bit);
    for (std::size_t at = 0; at < ascii.size(); ++at) {
        std::string text = ascii;
        text[at] = '\xe9';
        EXPECT_TRUE(make_smtp_data(text).eight_bit) << "at offset " << at;
    }
}

TEST(smtp_data, a_line_ends_at_whichever_of_cr_and_lf_comes_first)
{
    EXPECT_EQ(make_smtp_data("one\rtwo\nthree").wire, "one\r\ntwo\r\nthree\r\n.\r\n");
    EXPECT_EQ(make_smtp_data("one\ntwo\rthree").wire, "one\r\ntwo\r\nthree\r\n.\r\n");
    EXPECT_EQ(make_smtp_data("one\n\rtwo").wire, "one\r\n\r\ntwo\r\n.\r\n");
}

} // namespace
} // namespace mailgate::core::outbound
