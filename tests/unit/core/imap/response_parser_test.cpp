// The IMAP response reader on its own: framing (lines, literals, bounds) and what each
// response is read into.

#include "core/imap/response_parser.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mailgate::core::imap {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<imap_response> parse_all(std::string_view bytes, response_limits limits = {})
{
    response_parser parser(limits);
    parser.feed(bytes);
    std::vector<imap_response> out;
    while (auto r = parser.next()) {
        out.push_back(std::move(*r));
    }
    return out;
}

TEST(ResponseParser, ReadsTaggedStatusWithCode)
{
    const auto r = parse_all("a1 OK [READ-WRITE] SELECT completed\r\n");
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].kind, imap_response::type::tagged);
    EXPECT_EQ(r[0].tag, "a1");
    EXPECT_EQ(r[0].name, "OK");
    EXPECT_EQ(r[0].code, "READ-WRITE");
    EXPECT_EQ(r[0].text, "SELECT completed");
}

TEST(ResponseParser, ReadsSelectData)
{
    const auto r = parse_all("* 172 EXISTS\r\n* OK [UIDVALIDITY 3857529045] UIDs valid\r\n"
                             "* OK [UIDNEXT 4392] Predicted next UID\r\n"
                             "* FLAGS (\\Answered \\Flagged)\r\n");
    ASSERT_EQ(r.size(), 4u);
    EXPECT_EQ(r[0].name, "EXISTS");
    EXPECT_EQ(r[0].number, 172u);
    EXPECT_EQ(r[1].code, "UIDVALIDITY 3857529045");
    EXPECT_EQ(r[2].code, "UIDNEXT 4392");
    EXPECT_EQ(r[3].name, "FLAGS");
}

TEST(ResponseParser, ReadsCapabilitiesInUpperCase)
{
    const auto r = parse_all("* CAPABILITY IMAP4rev1 idle MOVE UIDPLUS AUTH=PLAIN\r\n");
    ASSERT_EQ(r.size(), 1u);
    EXPECT_THAT(r[0].words, ElementsAre("IMAP4REV1", "IDLE", "MOVE", "UIDPLUS", "AUTH=PLAIN"));
}

TEST(ResponseParser, ReadsSearchResults)
{
    const auto r = parse_all("* SEARCH 2 84 882\r\n* SEARCH\r\n");
    ASSERT_EQ(r.size(), 2u);
    EXPECT_THAT(r[0].words, ElementsAre("2", "84", "882"));
    EXPECT_TRUE(r[1].words.empty());
}

TEST(ResponseParser, ReadsAFetchWithALiteralBody)
{
    const std::string body = "From: a@b\r\n\r\nline with ) and \" and {3}\r\n";
    const auto r = parse_all("* 12 FETCH (UID 4827 RFC822.SIZE " + std::to_string(body.size()) +
                             " FLAGS (\\Seen $Junk) BODY[] {" + std::to_string(body.size()) +
                             "}\r\n" + body + ")\r\n");
    ASSERT_EQ(r.size(), 1u);
    ASSERT_TRUE(r[0].fetch);
    EXPECT_EQ(r[0].fetch->sequence, 12u);
    EXPECT_EQ(r[0].fetch->uid, 4827u);
    EXPECT_EQ(r[0].fetch->size, body.size());
    EXPECT_THAT(r[0].fetch->flags, ElementsAre("\\Seen", "$Junk"));
    EXPECT_EQ(r[0].fetch->body, body);
}

TEST(ResponseParser, ReadsAQuotedBodyAndNil)
{
    auto r = parse_all("* 1 FETCH (BODY[] \"a \\\"q\\\" \\\\ b\" UID 7)\r\n");
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].fetch->body, "a \"q\" \\ b");
    EXPECT_EQ(r[0].fetch->uid, 7u);
    r = parse_all("* 1 FETCH (UID 7 BODY[] NIL)\r\n");
    EXPECT_EQ(r[0].fetch->body, std::nullopt);
}

TEST(ResponseParser, FramesAcrossFeedsByteByByte)
{
    const std::string bytes = "* 3 FETCH (UID 9 BODY[] {5}\r\nhello)\r\na2 OK done\r\n";
    response_parser parser;
    std::vector<imap_response> out;
    for (const char c : bytes) {
        parser.feed(std::string_view(&c, 1));
        while (auto r = parser.next()) {
            out.push_back(std::move(*r));
        }
    }
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].fetch->body, "hello");
    EXPECT_EQ(out[1].tag, "a2");
}

TEST(ResponseParser, ReadsContinuations)
{
    const auto r = parse_all("+ idling\r\n+\r\n");
    ASSERT_EQ(r.size(), 2u);
    EXPECT_EQ(r[0].kind, imap_response::type::continuation);
    EXPECT_EQ(r[0].text, "idling");
    EXPECT_EQ(r[1].kind, imap_response::type::continuation);
}

TEST(ResponseParser, RefusesALiteralOverTheBound)
{
    response_limits limits;
    limits.max_literal = 100;
    response_parser parser(limits);
    try {
        parser.feed("* 1 FETCH (BODY[] {101}\r\n");
        FAIL() << "a literal over the bound was accepted";
    } catch (const imap_protocol_error& e) {
        EXPECT_THAT(e.what(), HasSubstr("101 bytes is over the bound of 100"));
    }
}

TEST(ResponseParser, RefusesAHugeLiteralSizeWithoutOverflow)
{
    response_parser parser;
    EXPECT_THROW(parser.feed("* 1 FETCH (BODY[] {99999999999999999999999}\r\n"),
                 imap_protocol_error);
}

TEST(ResponseParser, RefusesALineThatNeverEnds)
{
    response_limits limits;
    limits.max_line = 64;
    response_parser parser(limits);
    parser.feed(std::string(60, 'x'));
    EXPECT_THROW(parser.feed(std::string(10, 'x')), imap_protocol_error);
}

TEST(ResponseParser, RefusesTooManyLiterals)
{
    response_limits limits;
    limits.max_literals = 2;
    response_parser parser(limits);
    EXPECT_THROW(parser.feed("* 1 FETCH (A {1}\r\na B {1}\r\nb C {1}\r\nc)\r\n"),
                 imap_protocol_error);
}

TEST(ResponseParser, RefusesMalformedResponses)
{
    for (const std::string bad :
         {"a1 MAYBE\r\n", "\r\n", "* 1 FETCH UID 3\r\n", "* 1 FETCH (UID x)\r\n",
          "* 1 FETCH (UID 99999999999)\r\n", "* 1 FETCH (UID 1\r\n",
          "* 1 FETCH (BODY[] \"open)\r\n", "* FETCH (UID 1)\r\n", "* OK [UNCLOSED code\r\n",
          "* 1 FETCH (UID)\r\n", "* 1 FETCH (BODY[ 1)\r\n"}) {
        response_parser parser;
        parser.feed(bad);
        EXPECT_THROW(parser.next(), imap_protocol_error) << bad;
    }
}

TEST(ResponseParser, RefusesListsNestedTooDeep)
{
    response_parser parser;
    parser.feed("* 1 FETCH (X " + std::string(40, '(') + std::string(40, ')') + " UID 1)\r\n");
    EXPECT_THROW(parser.next(), imap_protocol_error);
}

TEST(ResponseParser, SaysWhenBytesArePending)
{
    response_parser parser;
    parser.feed("a OK begin TLS\r\n* injected");
    ASSERT_TRUE(parser.next());
    EXPECT_TRUE(parser.has_pending());
}

} // namespace
} // namespace mailgate::core::imap
