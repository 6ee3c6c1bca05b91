#include "core/suppression_list/entry_reader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace mailgate::core::suppression_list {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

struct read_result {
    std::vector<storage::suppression> entries;
    std::vector<std::size_t> entry_lines;
    std::vector<std::pair<std::size_t, std::string>> refusals;
};

read_result read_all(const std::string& text, list_format format)
{
    std::istringstream in(text);
    entry_reader reader(in, format, {"transactional", "marketing"});
    read_result out;
    while (auto row = reader.next()) {
        if (row->entry) {
            out.entries.push_back(*row->entry);
            out.entry_lines.push_back(row->line);
        } else {
            out.refusals.emplace_back(row->line, row->why);
        }
    }
    return out;
}

std::vector<std::size_t> refused_lines(const read_result& r)
{
    std::vector<std::size_t> out;
    for (const auto& [line, why] : r.refusals) {
        out.push_back(line);
    }
    return out;
}

TEST(entry_reader, reads_csv_columns_by_name_with_defaults)
{
    auto r = read_all("note,email,expires_at,stream\r\n"
                      "\"moved, left\",Ann@Example.COM,2027-01-31T00:00:00Z,marketing\r\n"
                      ",bob@example.com,,\r\n",
                      list_format::csv);
    ASSERT_EQ(r.entries.size(), 2u);
    EXPECT_TRUE(r.refusals.empty());
    EXPECT_EQ(r.entries[0].email, "ann@example.com");
    EXPECT_EQ(r.entries[0].stream, "marketing");
    EXPECT_EQ(r.entries[0].reason, "manual");
    EXPECT_EQ(r.entries[0].note, "moved, left");
    EXPECT_EQ(r.entries[0].expires_at, 1801353600000);
    EXPECT_EQ(r.entries[1].stream, "*");
    EXPECT_EQ(r.entries[1].expires_at, 0);
    EXPECT_THAT(r.entry_lines, ElementsAre(2u, 3u));
}

TEST(entry_reader, reads_quotes_escapes_and_fields_across_lines)
{
    auto r = read_all("email,note\n"
                      "a@example.com,\"said \"\"stop\"\"\"\n"
                      "b@example.com,\"two\r\nlines\"\n"
                      "c@example.com,x\n",
                      list_format::csv);
    ASSERT_EQ(r.entries.size(), 3u);
    EXPECT_EQ(r.entries[0].note, "said \"stop\"");
    EXPECT_EQ(r.entries[1].note, "two\r\nlines");
    EXPECT_THAT(r.entry_lines, ElementsAre(2u, 3u, 5u)) << "the line where each row starts";
}

TEST(entry_reader, domain_entries_and_unix_milliseconds)
{
    auto r = read_all("email,expires_at\n*@Example.ORG,1801353600123\n*@[1.2.3.4],\n*@,\n",
                      list_format::csv);
    ASSERT_EQ(r.entries.size(), 1u);
    EXPECT_EQ(r.entries[0].email, "*@example.org");
    EXPECT_EQ(r.entries[0].expires_at, 1801353600123);
    EXPECT_THAT(refused_lines(r), ElementsAre(3u, 4u));
}

TEST(entry_reader, refuses_bad_rows_with_their_line_and_keeps_the_good)
{
    std::string csv = "email,stream,expires_at,note\n"
                      "good1@example.com,,,\n"                      // 2
                      "not an address,,,\n"                         // 3
                      "x@example.com,newsletter,,\n"                // 4: unknown stream
                      "x@example.com,,tomorrow,\n"                  // 5: bad time
                      "x@example.com,,2027-02-30T00:00:00Z,\n"      // 6: no such day
                      "x@example.com,\"a\"b,,\n"                    // 7: after a closing quote
                      "x@exa\"mple.com,,,\n"                        // 8: quote in an unquoted field
                      "x@example.com,,\n"                           // 9: too few fields
                      "x@example.com,,,,\n"                         // 10: too many
                      "x@example.com,,,\xff\xfe\n"                  // 11: not UTF-8
                      + std::string("x@example.com,,,a\0b\n", 20) + // 12: NUL
                      "x@example.com,,," + std::string(501, 'n') + "\n" + // 13: long note
                      std::string(5000, 'a') + "@example.com,,,\n" +      // 14: long line
                      "good2@example.com,transactional,,\n";              // 15
    auto r = read_all(csv, list_format::csv);
    ASSERT_EQ(r.entries.size(), 2u);
    EXPECT_EQ(r.entries[1].email, "good2@example.com");
    EXPECT_THAT(r.entry_lines, ElementsAre(2u, 15u));
    EXPECT_THAT(refused_lines(r), ElementsAre(3u, 4u, 5u, 6u, 7u, 8u, 9u, 10u, 11u, 12u, 13u, 14u));
    EXPECT_THAT(r.refusals[0].second, HasSubstr("not an e-mail address"));
    EXPECT_THAT(r.refusals[1].second, HasSubstr("unknown stream 'newsletter'"));
    EXPECT_THAT(r.refusals[2].second, HasSubstr("expires_at is not a time"));
    EXPECT_THAT(r.refusals[6].second, HasSubstr("3 fields where the header has 4"));
    EXPECT_THAT(r.refusals[8].second, HasSubstr("not UTF-8"));
    EXPECT_THAT(r.refusals[9].second, HasSubstr("NUL"));
    EXPECT_THAT(r.refusals[10].second, HasSubstr("note is longer than 500"));
    EXPECT_THAT(r.refusals[11].second, HasSubstr("longer than 4096"));
}

TEST(entry_reader, an_unterminated_quote_at_the_end_is_refused_at_its_first_line)
{
    auto r = read_all("email,note\na@example.com,ok\nb@example.com,\"never closed\nmore\n",
                      list_format::csv);
    EXPECT_EQ(r.entries.size(), 1u);
    ASSERT_EQ(r.refusals.size(), 1u);
    EXPECT_EQ(r.refusals[0].first, 3u);
    EXPECT_THAT(r.refusals[0].second, HasSubstr("not closed"));
}

TEST(entry_reader, an_unterminated_quote_stops_at_the_row_limit)
{
    auto r = read_all("email,note\nb@example.com,\"open\n" + std::string(5000, 'x') +
                          "\nc@example.com,ok\n",
                      list_format::csv);
    ASSERT_FALSE(r.refusals.empty());
    EXPECT_EQ(r.refusals[0].first, 2u);
    ASSERT_EQ(r.entries.size(), 1u) << "reading goes on after the refused row";
    EXPECT_EQ(r.entries[0].email, "c@example.com");
}

TEST(entry_reader, a_bad_header_is_one_refusal_and_the_end)
{
    for (const char* header : {"email,colour\n", "stream,reason\n", "email,email\n", ""}) {
        auto r = read_all(std::string(header) + "a@example.com,x\n", list_format::csv);
        EXPECT_TRUE(r.entries.empty()) << header;
        ASSERT_EQ(r.refusals.size(), 1u) << header;
        EXPECT_EQ(r.refusals[0].first, 1u);
    }
    auto r = read_all("email,colour\n", list_format::csv);
    EXPECT_THAT(r.refusals[0].second, HasSubstr("unknown column 'colour'"));
}

TEST(entry_reader, tolerates_a_byte_order_mark_and_blank_lines)
{
    auto r = read_all("\xEF\xBB\xBF"
                      "email\r\n\r\na@example.com\r\n",
                      list_format::csv);
    ASSERT_EQ(r.entries.size(), 1u);
    EXPECT_EQ(r.entry_lines[0], 3u);
    auto j = read_all("\xEF\xBB\xBF{\"email\":\"a@example.com\"}\n\n{\"email\":\"b@example.com\"}",
                      list_format::jsonl);
    EXPECT_EQ(j.entries.size(), 2u);
    EXPECT_THAT(j.entry_lines, ElementsAre(1u, 3u));
}

TEST(entry_reader, reads_json_lines_and_refuses_what_is_not_an_entry)
{
    auto r = read_all(
        R"({"email":"A@example.com","stream":"transactional","expires_at":1801353600000,"note":"x"})"
        "\n"
        R"(["a@example.com"])"
        "\n"
        R"({"email":"a@example.com","colour":"red"})"
        "\n"
        R"({"email":"a@example.com","note":5})"
        "\n"
        R"({"email":"a@example.com","note":"a\u0000b"})"
        "\n"
        R"({"email":"a@example.com",)"
        "\n"
        R"({"email":"b@example.com","expires_at":"2027-01-31T01:00:00+01:00","reason":null})"
        "\n"
        R"({"email":"c@example.com","expires_at":-5})",
        list_format::jsonl);
    ASSERT_EQ(r.entries.size(), 2u);
    EXPECT_EQ(r.entries[0].email, "a@example.com");
    EXPECT_EQ(r.entries[0].stream, "transactional");
    EXPECT_EQ(r.entries[0].expires_at, 1801353600000);
    EXPECT_EQ(r.entries[1].expires_at, 1801353600000);
    EXPECT_EQ(r.entries[1].reason, "manual");
    EXPECT_THAT(refused_lines(r), ElementsAre(2u, 3u, 4u, 5u, 6u, 8u));
    EXPECT_THAT(r.refusals[0].second, HasSubstr("not a JSON object"));
    EXPECT_THAT(r.refusals[1].second, HasSubstr("unknown key 'colour'"));
    EXPECT_THAT(r.refusals[3].second, HasSubstr("NUL"));
    EXPECT_THAT(r.refusals[4].second, HasSubstr("not JSON"));
}

TEST(entry_reader, too_long_json_lines_are_refused_without_losing_the_next)
{
    auto r = read_all("{\"email\":\"a@example.com\",\"note\":\"" + std::string(10000, 'x') +
                          "\"}\n{\"email\":\"b@example.com\"}\n",
                      list_format::jsonl);
    EXPECT_THAT(refused_lines(r), ElementsAre(1u));
    ASSERT_EQ(r.entries.size(), 1u);
    EXPECT_EQ(r.entry_lines[0], 2u);
}

TEST(entry_reader, a_file_cut_short_keeps_what_came_before)
{
    auto r = read_all("email,stream\na@example.com,marketing\nb@exam", list_format::csv);
    ASSERT_EQ(r.entries.size(), 1u);
    EXPECT_THAT(refused_lines(r), ElementsAre(3u));
}

} // namespace
} // namespace mailgate::core::suppression_list
