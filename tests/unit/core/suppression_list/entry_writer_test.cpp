#include "core/suppression_list/entry_reader.hpp"
#include "core/suppression_list/entry_writer.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace mailgate::core::suppression_list {
namespace {

std::vector<storage::suppression> samples()
{
    std::vector<storage::suppression> out;
    storage::suppression a;
    a.email = "ann@example.com";
    a.reason = "hard_bounce";
    a.provider = "postal";
    a.created_at = 1700000000123;
    a.stream = "marketing";
    a.source = "rule:hard";
    a.note = "said \"stop\", twice\r\nand again";
    out.push_back(a);
    storage::suppression b;
    b.email = "*@example.org";
    b.reason = "=cmd|' /C calc'!A0";
    b.created_at = 1;
    b.expires_at = 1801353600999;
    out.push_back(b);
    storage::suppression c;
    c.email = "\"a b\"@example.com";
    c.reason = "manual";
    c.note = "élan, naïve";
    out.push_back(c);
    return out;
}

std::vector<storage::suppression> round_trip(const std::vector<storage::suppression>& entries,
                                             list_format format)
{
    std::ostringstream out;
    entry_writer writer(out, format);
    for (const auto& e : entries) {
        writer.write(e);
    }
    std::istringstream in(out.str());
    entry_reader reader(in, format, {"marketing"});
    std::vector<storage::suppression> back;
    while (auto row = reader.next()) {
        EXPECT_TRUE(row->entry) << "line " << row->line << ": " << row->why << "\n" << out.str();
        if (row->entry) {
            back.push_back(*row->entry);
        }
    }
    return back;
}

class entry_round_trip : public ::testing::TestWithParam<list_format> {};

TEST_P(entry_round_trip, export_then_import_gives_the_same_entries)
{
    const auto entries = samples();
    const auto back = round_trip(entries, GetParam());
    ASSERT_EQ(back.size(), entries.size());
    for (std::size_t i = 0; i < entries.size(); ++i) {
        EXPECT_EQ(back[i].email, entries[i].email);
        EXPECT_EQ(back[i].stream, entries[i].stream);
        EXPECT_EQ(back[i].reason, entries[i].reason);
        EXPECT_EQ(back[i].expires_at, entries[i].expires_at);
        EXPECT_EQ(back[i].note, entries[i].note);
        EXPECT_EQ(back[i].provider, entries[i].provider);
        EXPECT_EQ(back[i].source, entries[i].source);
        EXPECT_EQ(back[i].created_at, entries[i].created_at);
    }
}

INSTANTIATE_TEST_SUITE_P(formats, entry_round_trip,
                         ::testing::Values(list_format::csv, list_format::jsonl));

TEST(entry_writer, writes_the_header_and_times_as_rfc_3339)
{
    std::ostringstream out;
    entry_writer writer(out, list_format::csv);
    writer.write(samples()[1]);
    EXPECT_EQ(out.str(), "email,stream,reason,expires_at,note,provider,source,created_at\r\n"
                         "*@example.org,*,=cmd|' /C calc'!A0,2027-01-31T00:00:00.999Z,,,,"
                         "1970-01-01T00:00:00.001Z\r\n");
}

TEST(entry_writer, writes_json_lines)
{
    std::ostringstream out;
    entry_writer writer(out, list_format::jsonl);
    writer.write(samples()[1]);
    EXPECT_EQ(out.str(), R"({"email":"*@example.org","stream":"*","reason":"=cmd|' /C calc'!A0",)"
                         R"("expires_at":"2027-01-31T00:00:00.999Z","note":"","provider":"",)"
                         R"("source":"","created_at":"1970-01-01T00:00:00.001Z"})"
                         "\n");
}

} // namespace
} // namespace mailgate::core::suppression_list
