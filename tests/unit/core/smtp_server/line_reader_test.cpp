#include "core/smtp_server/data_reader.hpp"
#include "core/smtp_server/line_reader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

namespace mailgate::core::smtp_server {
namespace {

void feed(line_reader& r, std::string_view bytes)
{
    while (!bytes.empty()) {
        auto room = r.prepare();
        const auto n = std::min(room.size(), bytes.size());
        std::memcpy(room.data(), bytes.data(), n);
        r.commit(n);
        bytes.remove_prefix(n);
    }
}

struct seen {
    std::string text;
    bool crlf;
    bool too_long;
    bool operator==(const seen&) const = default;
};

std::vector<seen> lines_of(line_reader& r, std::size_t limit)
{
    std::vector<seen> out;
    while (auto l = r.next(limit)) {
        out.push_back({std::string(l->text), l->crlf, l->too_long});
    }
    return out;
}

TEST(line_reader, pipelined_lines_in_one_read)
{
    line_reader r;
    feed(r, "MAIL FROM:<>\r\nRCPT TO:<a@b>\nDATA\r\nhalf");
    EXPECT_EQ(lines_of(r, 512), (std::vector<seen>{{"MAIL FROM:<>", true, false},
                                                   {"RCPT TO:<a@b>", false, false},
                                                   {"DATA", true, false}}));
    EXPECT_EQ(r.buffered(), 4u);
    feed(r, " done\r\n");
    EXPECT_EQ(lines_of(r, 512), (std::vector<seen>{{"half done", true, false}}));
}

TEST(line_reader, one_line_byte_by_byte_and_a_lone_cr_ends_nothing)
{
    line_reader r(1);
    for (const char c : std::string_view("NO\rOP\r\n")) {
        feed(r, std::string_view(&c, 1));
    }
    EXPECT_EQ(lines_of(r, 512), (std::vector<seen>{{"NO\rOP", true, false}}));
}

TEST(line_reader, over_long_line_reported_once_at_its_end_and_memory_bounded)
{
    line_reader r(64);
    feed(r, "short\r\n");
    for (int i = 0; i < 1000; ++i) {
        feed(r, std::string(50, 'x'));
        (void)lines_of(r, 100);
        EXPECT_LE(r.buffered(), 100u + 64u);
    }
    feed(r, "\r\nNOOP\r\n");
    // "short" was taken in the loop.
    EXPECT_EQ(lines_of(r, 100), (std::vector<seen>{{"", true, true}, {"NOOP", true, false}}));
}

TEST(line_reader, limit_counts_the_line_end)
{
    line_reader r;
    feed(r, "abc\r\nabcd\r\nabcde\n");
    EXPECT_EQ(
        lines_of(r, 6),
        (std::vector<seen>{{"abc", true, false}, {"abcd", true, false}, {"abcde", false, false}}));
    feed(r, "abcdef\r\n");
    EXPECT_EQ(lines_of(r, 6), (std::vector<seen>{{"", true, true}}));
}

TEST(line_reader, the_cr_of_a_discarded_line_is_remembered)
{
    line_reader r(4);
    feed(r, "aaaaaaaaa\r");
    EXPECT_FALSE(r.next(5));
    feed(r, "\n");
    EXPECT_EQ(lines_of(r, 5), (std::vector<seen>{{"", true, true}}));
}

TEST(line_reader, clear_drops_what_was_pipelined)
{
    line_reader r;
    feed(r, "STARTTLS\r\nMAIL FROM:<evil@x>\r\n");
    EXPECT_EQ(r.next(512)->text, "STARTTLS");
    r.clear();
    EXPECT_FALSE(r.next(512));
    EXPECT_EQ(r.buffered(), 0u);
}

std::optional<std::string> read_data(std::string_view bytes, std::size_t max = 1 << 20,
                                     bool* too_large = nullptr)
{
    line_reader r;
    feed(r, bytes);
    data_reader d(max, true);
    while (auto l = r.next(1000)) {
        if (d.add(*l)) {
            if (too_large) {
                *too_large = d.too_large();
            }
            return d.take();
        }
    }
    return std::nullopt;
}

TEST(data_reader, dot_unstuffing_and_the_end)
{
    EXPECT_EQ(read_data(".\r\n"), "");
    EXPECT_EQ(read_data("Subject: x\r\n\r\n..leading\r\n...\r\n.\r\nQUIT\r\n"),
              "Subject: x\r\n\r\n.leading\r\n..\r\n");
}

TEST(data_reader, a_dot_line_inside_quoted_printable_is_stuffed_by_the_client)
{
    // The body has a line of one dot (encoded as is by QP); the client sends it as "..".
    EXPECT_EQ(read_data("Content-Transfer-Encoding: quoted-printable\r\n\r\nabove\r\n..\r\n"
                        "below=\r\n soft\r\n.\r\n"),
              "Content-Transfer-Encoding: quoted-printable\r\n\r\nabove\r\n.\r\nbelow=\r\n"
              " soft\r\n");
}

TEST(data_reader, bare_lf_lines_become_crlf_and_lf_dot_lf_ends)
{
    EXPECT_EQ(read_data("a\nb\r\nc\n.\n"), "a\r\nb\r\nc\r\n");
}

TEST(data_reader, a_dot_between_mixed_line_ends_ends_nothing)
{
    // "\r\n.\n" and "\n.\r\n" are content (SMTP smuggling); the real end comes later.
    EXPECT_EQ(read_data("a\r\n.\nMAIL FROM:<x@y>\n.\r\nb\r\n.\r\n"),
              "a\r\n\r\nMAIL FROM:<x@y>\r\n\r\nb\r\n");
    EXPECT_FALSE(read_data("a\r\n.\n"));
}

TEST(data_reader, a_lone_cr_before_the_dot_is_content)
{
    EXPECT_EQ(read_data("a\r.\r\n.\r\n"), "a\r.\r\n");
}

TEST(data_reader, over_the_size_it_reads_to_the_end_and_keeps_nothing)
{
    bool too_large = false;
    EXPECT_EQ(read_data("0123456789\r\n0123456789\r\n.\r\n", 20, &too_large), "");
    EXPECT_TRUE(too_large);
    EXPECT_EQ(read_data("0123456789\r\n.\r\n", 12, &too_large), "0123456789\r\n");
    EXPECT_FALSE(too_large);
}

TEST(data_reader, a_line_too_long_is_flagged)
{
    data_reader d(1 << 20, true);
    EXPECT_FALSE(d.add({"", true, true}));
    EXPECT_TRUE(d.add({".", true, false}));
    EXPECT_TRUE(d.line_too_long());
}

} // namespace
} // namespace mailgate::core::smtp_server
