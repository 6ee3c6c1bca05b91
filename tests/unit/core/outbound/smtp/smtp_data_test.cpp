#include "core/outbound/smtp/smtp_data.hpp"

#include <gtest/gtest.h>

#include <numeric>

namespace mailgate::core::outbound::smtp {
namespace {

std::string wire_of(const smtp_data& data)
{
    const auto pieces = data.wire();
    return std::accumulate(
        pieces.begin(), pieces.end(), std::string(),
        [](std::string all, std::string_view piece) { return all.append(piece); });
}

TEST(smtp_data, lines_starting_with_a_dot_are_stuffed_and_the_end_is_marked)
{
    const std::string_view message = "Subject: x\r\n\r\n.\r\n..two\r\nmid.dot\r\n";
    const auto data = make_smtp_data(message);
    EXPECT_EQ(wire_of(data), "Subject: x\r\n\r\n..\r\n...two\r\nmid.dot\r\n.\r\n");
    EXPECT_EQ(data.message_size, message.size());
    EXPECT_FALSE(data.eight_bit);
}

TEST(smtp_data, first_line_dot_is_stuffed)
{
    EXPECT_EQ(wire_of(make_smtp_data(".hidden\r\n")), "..hidden\r\n.\r\n");
}

TEST(smtp_data, missing_final_line_end_is_added)
{
    const auto data = make_smtp_data("Subject: x\r\n\r\nno newline");
    EXPECT_EQ(wire_of(data), "Subject: x\r\n\r\nno newline\r\n.\r\n");
    EXPECT_EQ(data.message_size, wire_of(data).size() - 3);
}

TEST(smtp_data, bare_line_ends_cannot_smuggle_an_end_of_data)
{
    // "\n.\n" and "\r.\r" end the DATA for some servers: both become stuffed CRLF lines.
    EXPECT_EQ(wire_of(make_smtp_data("a\n.\nMAIL FROM:<x>\r\n")),
              "a\r\n..\r\nMAIL FROM:<x>\r\n.\r\n");
    EXPECT_EQ(wire_of(make_smtp_data("a\r.\rb")), "a\r\n..\r\nb\r\n.\r\n");
    EXPECT_EQ(wire_of(make_smtp_data("a\r\n.\n")), "a\r\n..\r\n.\r\n");
}

TEST(smtp_data, empty_message_is_just_the_end)
{
    const auto data = make_smtp_data("");
    EXPECT_EQ(wire_of(data), ".\r\n");
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
    EXPECT_EQ(wire_of(make_smtp_data("one\rtwo\nthree")), "one\r\ntwo\r\nthree\r\n.\r\n");
    EXPECT_EQ(wire_of(make_smtp_data("one\ntwo\rthree")), "one\r\ntwo\r\nthree\r\n.\r\n");
    EXPECT_EQ(wire_of(make_smtp_data("one\n\rtwo")), "one\r\n\r\ntwo\r\n.\r\n");
}

// The gateway's own text needs no change: it is sent from where it is, the entity that the
// recipients of a request share included, and not copied.
TEST(smtp_data, text_that_needs_no_change_is_sent_as_it_is)
{
    const std::string head = "To: a@example.com\r\nSubject: x\r\n";
    const std::string entity = "\r\nmid.dot\r\n\r\nend\r\n";
    const auto data = make_smtp_data(head, entity);
    ASSERT_EQ(data.as_given.size(), 2u);
    EXPECT_EQ(data.as_given[0].data(), head.data());
    EXPECT_EQ(data.as_given[1].data(), entity.data());
    EXPECT_EQ(wire_of(data), head + entity + ".\r\n");
    EXPECT_EQ(data.message_size, head.size() + entity.size());
}

// Stuffing is by lines of the whole text: a dot or a bare line end in the entity, or a head
// that does not end its last line, is changed as if the text were one.
TEST(smtp_data, the_head_and_the_entity_are_stuffed_as_one_text)
{
    EXPECT_EQ(wire_of(make_smtp_data("A: 1\r\n", "\r\n.dot\r\n")), "A: 1\r\n\r\n..dot\r\n.\r\n");
    EXPECT_EQ(wire_of(make_smtp_data("A: 1\r\n", ".\r\n")), "A: 1\r\n..\r\n.\r\n");
    EXPECT_EQ(wire_of(make_smtp_data("A: 1\r\n", "b\nc")), "A: 1\r\nb\r\nc\r\n.\r\n");
    EXPECT_EQ(wire_of(make_smtp_data("A: 1", ".x\r\n")), "A: 1.x\r\n.\r\n")
        << "a dot in the middle of a line is not stuffed";
    EXPECT_EQ(wire_of(make_smtp_data("A: 1\r", "\n.x\r\n")), "A: 1\r\n..x\r\n.\r\n")
        << "a CRLF split between the two is one line end";
    EXPECT_TRUE(make_smtp_data("A: 1\r\n", "caf\xc3\xa9\r\n").eight_bit);
    const auto data = make_smtp_data("A: 1\r\n", "\r\n.dot\r\n");
    EXPECT_TRUE(data.as_given.empty());
    EXPECT_EQ(data.message_size, 14u) << "without the stuffed dot";
}

} // namespace
} // namespace mailgate::core::outbound::smtp
