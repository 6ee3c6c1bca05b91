#include "core/outbound/request/message_request.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace mailgate::core::outbound::request {
namespace {

using ::testing::HasSubstr;

/// what() of the request_error that parsing `body` throws, or "" when it parses.
std::string refusal(const std::string& body)
{
    try {
        parse_message_request(body);
    } catch (const request_error& e) {
        return e.what();
    }
    return "";
}

TEST(MessageRequest, ReadsEveryField)
{
    auto r = parse_message_request(R"({
        "provider": "smtp",
        "from": {"name": "Shop", "address": "news@shop.example"},
        "to": ["a@example.com", {"address": "b@bücher.example", "name": "Bé", "profile": "p-7"}],
        "subject": "Hello", "text": "plain", "html": "<p>html</p>",
        "campaign_id": "spring-24",
        "headers": {"X-Campaign-Tier": "gold"},
        "attachments": [{"filename": "a.txt", "content_type": "text/plain", "content": "aGk="}]
    })");
    EXPECT_EQ(r.provider, "smtp");
    ASSERT_TRUE(r.from);
    EXPECT_EQ(r.from->display_name, "Shop");
    EXPECT_EQ(r.from->addr.str(), "news@shop.example");
    ASSERT_EQ(r.to.size(), 2u);
    EXPECT_EQ(r.to[0].to.addr.str(), "a@example.com");
    EXPECT_EQ(r.to[1].to.addr.domain, "xn--bcher-kva.example");
    EXPECT_EQ(r.to[1].to.display_name, "Bé");
    EXPECT_EQ(r.to[1].profile, "p-7");
    EXPECT_EQ(r.subject, "Hello");
    EXPECT_EQ(r.text, "plain");
    EXPECT_EQ(r.html, "<p>html</p>");
    EXPECT_EQ(r.campaign_id, "spring-24");
    ASSERT_EQ(r.headers.size(), 1u);
    EXPECT_EQ(r.headers[0], (std::pair<std::string, std::string>{"X-Campaign-Tier", "gold"}));
    ASSERT_EQ(r.attachments.size(), 1u);
    EXPECT_EQ(r.attachments[0].content, "hi");
}

TEST(MessageRequest, ASingleRecipientMayBeAString)
{
    auto r = parse_message_request(R"({"provider": "p", "to": "x@example.com", "text": "t"})");
    ASSERT_EQ(r.to.size(), 1u);
    EXPECT_FALSE(r.from) << "the provider's default applies";
}

TEST(MessageRequest, EachMistakeNamesItsField)
{
    const std::string ok = R"("provider": "p", "text": "t")";
    EXPECT_THAT(refusal(R"({"text": "t", "to": "a@example.com"})"),
                HasSubstr("provider: is required"));
    EXPECT_THAT(refusal("{" + ok + "}"), HasSubstr("to: is required"));
    EXPECT_THAT(refusal("{" + ok + R"(, "to": []})"), HasSubstr("to: needs at least one"));
    EXPECT_THAT(refusal("{" + ok + R"(, "to": ["a@example.com", "not an address"]})"),
                HasSubstr("to[1]: "));
    EXPECT_THAT(refusal("{" + ok + R"(, "to": [{"name": "x"}]})"),
                HasSubstr("to[0].address: is required"));
    EXPECT_THAT(refusal("{" + ok + R"(, "to": [{"address": 7}]})"),
                HasSubstr("to[0].address: must be a string"));
    EXPECT_THAT(refusal(R"({"provider": "p", "to": "a@example.com"})"),
                HasSubstr("text: text or html is required"));
    EXPECT_THAT(refusal("{" + ok + R"(, "to": "a@example.com", "from": "@"})"),
                HasSubstr("from: "));
    EXPECT_THAT(refusal("{" + ok + R"(, "to": "a@example.com", "cc": "b@example.com"})"),
                HasSubstr("cc: unknown field"));
    EXPECT_THAT(refusal("{" + ok + R"(, "to": "a@example.com", "campaign_id": ")" +
                        std::string(41, 'c') + "\"}"),
                HasSubstr("campaign_id: must be at most 40 bytes"));
    EXPECT_THAT(refusal("{" + ok + R"(, "to": "a@example.com", "campaign_id": "a\r\nb"})"),
                HasSubstr("campaign_id: must not contain control characters"));
    EXPECT_THAT(refusal("{" + ok + R"(, "to": {"address": "a@example.com", "profile": ")" +
                        std::string(41, 'p') + "\"}}"),
                HasSubstr("to.profile: must be at most 40 bytes"));
}

TEST(MessageRequest, HeadersThatWouldForgeOrInjectAreRefused)
{
    const std::string base = R"({"provider": "p", "text": "t", "to": "a@example.com", )";
    EXPECT_THAT(refusal(base + R"("headers": {"X-A": "b\r\nBcc: victim@example.com"}})"),
                HasSubstr("headers.X-A"));
    EXPECT_THAT(refusal(base + R"("headers": {"From": "ceo@example.com"}})"),
                HasSubstr("headers.From"));
    EXPECT_THAT(refusal(base + R"("headers": {"Bad Name": "x"}})"), HasSubstr("headers.Bad Name"));
    EXPECT_THAT(refusal(base + R"("headers": {"X-A": 1}})"),
                HasSubstr("headers.X-A: must be a string"));
}

TEST(MessageRequest, AttachmentsNeedANameAndBase64Content)
{
    const std::string base = R"({"provider": "p", "text": "t", "to": "a@example.com", )";
    EXPECT_THAT(refusal(base + R"("attachments": [{"content": "aGk="}]})"),
                HasSubstr("attachments[0].filename: is required"));
    EXPECT_THAT(refusal(base + R"("attachments": [{"filename": "a", "content": "!!"}]})"),
                HasSubstr("attachments[0].content: must be base64"));
    EXPECT_THAT(refusal(base + R"("attachments": {"filename": "a"}})"),
                HasSubstr("attachments: must be an array"));
}

TEST(MessageRequest, MalformedTruncatedAndHostileBodies)
{
    EXPECT_THAT(refusal(""), HasSubstr("body: not valid JSON"));
    EXPECT_THAT(refusal(R"({"provider": "p", "to": )"), HasSubstr("body: not valid JSON"));
    EXPECT_THAT(refusal("[1, 2]"), HasSubstr("body: must be an object"));
    EXPECT_THAT(refusal(std::string(100000, '[')), HasSubstr("body: not valid JSON"));
    std::string many = R"({"provider": "p", "text": "t", "to": [)";
    for (int i = 0; i <= 1000; ++i) {
        many += (i ? "," : "") + std::string("\"r") + std::to_string(i) + "@example.com\"";
    }
    EXPECT_THAT(refusal(many + "]}"), HasSubstr("to: at most 1000 recipients"));
    EXPECT_THAT(refusal(R"({"provider": "p", "text": "t", "to": "a\u0000b@example.com"})"),
                HasSubstr("to: "));
}

// Found by fuzz_message_request: a key with a NUL cut what() short, before the reason.
TEST(MessageRequest, AKeyWithControlCharactersIsShownEscaped)
{
    EXPECT_EQ(refusal(R"({"provid\u0000\u0001 x": "smtp"})"), "provid\\x00\\x01 x: unknown field");
    EXPECT_EQ(refusal(R"({"provider": "p", "text": "t", "to": "a@example.com", )"
                      R"("headers": {"X-A\u0000\r\nBcc": "x"}})"),
              "headers.X-A\\x00\\x0D\\x0ABcc: the header name 'X-A???Bcc' is not 1 to 76 "
              "printable ASCII characters without ':'");
}

} // namespace
} // namespace mailgate::core::outbound::request
