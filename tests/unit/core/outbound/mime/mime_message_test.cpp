#include "core/outbound/mime/mime_message.hpp"

#include "core/encoding/base64.hpp"
#include "core/encoding/utf8.hpp"
#include "core/outbound/mime/random_token.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>
#include <sstream>

namespace mailgate::core::outbound::mime {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono;
using namespace std::string_literals;

// A minimal MIME reader for these tests: the repository has no MIME parser, and the tests check
// what a receiving client would decode.

std::vector<std::string> split_lines(std::string_view text)
{
    std::vector<std::string> lines;
    for (std::size_t start = 0; start < text.size();) {
        const auto end = std::min(text.find("\r\n", start), text.size());
        lines.emplace_back(text.substr(start, end - start));
        start = end + 2;
    }
    return lines;
}

struct entity {
    std::vector<std::pair<std::string, std::string>> headers; ///< unfolded
    std::vector<std::string> raw_header_lines;
    std::string body;

    std::vector<std::string> all(std::string_view name) const
    {
        std::vector<std::string> values;
        for (const auto& [n, v] : headers) {
            if (n == name) {
                values.push_back(v);
            }
        }
        return values;
    }

    std::string get(std::string_view name) const
    {
        const auto values = all(name);
        EXPECT_EQ(values.size(), 1u) << "header " << name;
        return values.empty() ? "" : values.front();
    }
};

entity parse_entity(std::string_view text)
{
    entity e;
    const auto end = text.find("\r\n\r\n");
    if (end == std::string_view::npos) {
        ADD_FAILURE() << "no blank line after the headers";
        return e;
    }
    e.body = text.substr(end + 4);
    e.raw_header_lines = split_lines(text.substr(0, end + 2));
    for (const auto& line : e.raw_header_lines) {
        if (line.starts_with(' ') || line.starts_with('\t')) {
            // Unfolding removes the CRLF and nothing else (RFC 5322 §2.2.3).
            EXPECT_FALSE(e.headers.empty());
            EXPECT_NE(line.find_first_not_of(" \t"), std::string::npos) << "blank folded line";
            e.headers.back().second += line;
            continue;
        }
        const auto colon = line.find(':');
        EXPECT_NE(colon, std::string::npos) << line;
        const auto value = line.find_first_not_of(" \t", colon + 1);
        e.headers.emplace_back(line.substr(0, colon),
                               value == std::string::npos ? "" : line.substr(value));
    }
    return e;
}

int hex_digit(char c)
{
    const auto at = std::string_view("0123456789ABCDEF").find(c);
    return at == std::string_view::npos ? -1 : static_cast<int>(at);
}

// Quoted-printable (soft breaks) and RFC 2047 Q ('_' for space) share "=XX".
std::string unescape(std::string_view text, bool q_word)
{
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (q_word && text[i] == '_') {
            out += ' ';
        } else if (text[i] != '=') {
            out += text[i];
        } else if (!q_word && text.substr(i + 1, 2) == "\r\n") {
            i += 2;
        } else if (i + 2 < text.size() && hex_digit(text[i + 1]) >= 0 &&
                   hex_digit(text[i + 2]) >= 0) {
            out += static_cast<char>(hex_digit(text[i + 1]) * 16 + hex_digit(text[i + 2]));
            i += 2;
        } else {
            ADD_FAILURE() << "bad escape at " << i << " in " << text.substr(0, 200);
            return out;
        }
    }
    return out;
}

std::string base64_body(std::string_view text)
{
    std::string joined;
    for (const auto& line : split_lines(text)) {
        EXPECT_LE(line.size(), 76u);
        joined += line;
    }
    auto decoded = encoding::base64_decode(joined);
    EXPECT_TRUE(decoded) << "bad base64";
    return decoded.value_or("");
}

// A header value made of encoded words only, decoded; checks each word on the way.
std::string decode_words(std::string_view value)
{
    static const std::regex word(R"(=\?utf-8\?([QB])\?([^? ]*)\?=)");
    std::istringstream words{std::string(value)};
    std::string out;
    for (std::string w; words >> w;) {
        std::smatch m;
        if (!std::regex_match(w, m, word)) {
            ADD_FAILURE() << "not an encoded word: " << w;
            continue;
        }
        EXPECT_LE(w.size(), 75u) << w;
        // RFC 2047 §5(3): what a Q word may hold when it stands in a display name.
        constexpr std::string_view phrase_safe =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!*+-/=_";
        EXPECT_TRUE(m[1] == "B" || m[2].str().find_first_not_of(phrase_safe) == std::string::npos)
            << w;
        const std::string decoded = m[1] == "Q" ? unescape(m[2].str(), true)
                                                : encoding::base64_decode(m[2].str()).value_or("?");
        EXPECT_TRUE(encoding::is_valid_utf8(decoded)) << "a word splits a character: " << w;
        out += decoded;
    }
    return out;
}

std::string text_of(std::string_view value)
{
    return value.starts_with("=?") ? decode_words(value) : std::string(value);
}

std::string unquote(std::string_view quoted)
{
    std::string out;
    for (std::size_t i = 1; i + 1 < quoted.size(); ++i) {
        i += quoted[i] == '\\' ? 1 : 0;
        out += quoted[i];
    }
    return out;
}

std::pair<std::string, std::string> parse_mailbox(std::string_view value)
{
    if (!value.ends_with('>')) {
        return {"", std::string(value)};
    }
    const auto open = value.rfind(" <");
    const auto name = value.substr(0, open);
    const auto addr = std::string(value.substr(open + 2, value.size() - open - 3));
    return {name.starts_with('"') ? unquote(name) : text_of(name), addr};
}

std::string decoded_body(const entity& e)
{
    const std::string encoding = e.get("Content-Transfer-Encoding");
    if (encoding == "base64") {
        return base64_body(e.body);
    }
    if (encoding == "quoted-printable") {
        for (const auto& line : split_lines(e.body)) {
            EXPECT_LE(line.size(), 76u);
        }
        return unescape(e.body, false);
    }
    EXPECT_EQ(encoding, "7bit");
    return e.body;
}

std::vector<entity> parts_of(const entity& e)
{
    const std::string type = e.get("Content-Type");
    const auto at = type.find("boundary=\"");
    if (at == std::string::npos) {
        ADD_FAILURE() << "no boundary in " << type;
        return {};
    }
    const std::string boundary = type.substr(at + 10, type.find('"', at + 10) - at - 10);
    const std::string body = "\r\n" + e.body;
    const std::string delimiter = "\r\n--" + boundary;
    EXPECT_TRUE(body.starts_with(delimiter + "\r\n")) << "a preamble or no first delimiter";
    std::vector<entity> parts;
    for (std::size_t at = 0;;) {
        at += delimiter.size();
        if (body.compare(at, std::string::npos, "--\r\n") == 0) {
            return parts;
        }
        EXPECT_EQ(body.compare(at, 2, "\r\n"), 0) << "junk after a delimiter";
        const auto next = body.find(delimiter, at);
        if (next == std::string::npos) {
            ADD_FAILURE() << "no close delimiter, or text after it";
            return parts;
        }
        const std::string part = body.substr(at + 2, next - at - 2);
        EXPECT_EQ(part.find(boundary), std::string::npos) << "the boundary occurs in a part";
        parts.push_back(parse_entity(part));
        at = next;
    }
}

// CRLF line ends only, no line over 998 octets, the message ends in CRLF.
void expect_wire_form(const std::string& message)
{
    EXPECT_TRUE(message.ends_with("\r\n"));
    for (const auto& line : split_lines(message)) {
        EXPECT_EQ(line.find_first_of("\r\n"), std::string::npos) << "a lone CR or LF";
        EXPECT_LE(line.size(), 998u);
    }
}

void expect_folded(const entity& e)
{
    for (const auto& line : e.raw_header_lines) {
        EXPECT_LE(line.size(), 78u) << line;
    }
}

entity build(const message_spec& spec)
{
    const std::string message = build_message(spec);
    expect_wire_form(message);
    return parse_entity(message);
}

message_spec basic_spec()
{
    message_spec spec;
    spec.from = {"Shop", addressing::parse_address("news@shop.example")};
    spec.to = {"", addressing::parse_address("jane@example.org")};
    spec.subject = "Your order";
    spec.text = "Hello Jane,\nyour order has shipped.\n";
    spec.message_id = "abc123@shop.example";
    spec.date = sys_days{2026y / November / 23} + 7h + 30min;
    return spec;
}

std::string message_error_of(const message_spec& spec)
{
    try {
        build_message(spec);
        return "built";
    } catch (const message_error& e) {
        return e.what();
    }
}

std::string every_byte(int times)
{
    std::string bytes;
    for (int t = 0; t < times; ++t) {
        for (int b = 0; b < 256; ++b) {
            bytes += static_cast<char>(b);
        }
    }
    return bytes;
}

TEST(MimeMessage, TextOnlyIsOnePartUnderTheStandardHeaders)
{
    const std::string message = build_message(basic_spec());
    EXPECT_TRUE(message.starts_with("Date: Mon, 23 Nov 2026 07:30:00 +0000\r\n")) << message;
    const entity e = build(basic_spec());
    EXPECT_EQ(e.get("From"), "Shop <news@shop.example>");
    EXPECT_EQ(e.get("To"), "jane@example.org");
    EXPECT_EQ(e.get("Subject"), "Your order");
    EXPECT_EQ(e.get("Message-ID"), "<abc123@shop.example>");
    EXPECT_EQ(e.get("MIME-Version"), "1.0");
    EXPECT_EQ(e.get("Content-Type"), "text/plain; charset=utf-8");
    EXPECT_EQ(e.get("Content-Transfer-Encoding"), "7bit");
    EXPECT_EQ(e.body, "Hello Jane,\r\nyour order has shipped.\r\n");
    EXPECT_TRUE(e.all("Reply-To").empty());
    EXPECT_TRUE(e.all("List-Unsubscribe").empty());
    EXPECT_TRUE(e.all("List-Unsubscribe-Post").empty());
    expect_folded(e);
}

TEST(MimeMessage, HtmlOnlyIsOneHtmlPart)
{
    message_spec spec = basic_spec();
    spec.text.clear();
    spec.html = "<p>Hello</p>";
    const entity e = build(spec);
    EXPECT_EQ(e.get("Content-Type"), "text/html; charset=utf-8");
    EXPECT_EQ(decoded_body(e), "<p>Hello</p>\r\n");
}

TEST(MimeMessage, TextAndHtmlAreAlternativesTextFirst)
{
    message_spec spec = basic_spec();
    spec.html = "<p>Hello <b>Jane</b></p>\n";
    const entity e = build(spec);
    EXPECT_THAT(e.get("Content-Type"), HasSubstr("multipart/alternative; boundary="));
    const auto parts = parts_of(e);
    ASSERT_EQ(parts.size(), 2u);
    EXPECT_EQ(parts[0].get("Content-Type"), "text/plain; charset=utf-8");
    EXPECT_EQ(decoded_body(parts[0]), "Hello Jane,\r\nyour order has shipped.\r\n");
    EXPECT_EQ(parts[1].get("Content-Type"), "text/html; charset=utf-8");
    EXPECT_EQ(decoded_body(parts[1]), "<p>Hello <b>Jane</b></p>\r\n");
    expect_folded(e);
}

TEST(MimeMessage, AttachmentsAreMixedAroundTheContent)
{
    message_spec spec = basic_spec();
    spec.html = "<p>Hi</p>";
    // Bytes that would break a careless encoder: line ends, a lone dot line, a delimiter.
    const std::string pdf = every_byte(3) + "\r\n.\r\n--=_boundary\r\n";
    spec.attachments = {{"report 2026.pdf", "Application/PDF", pdf},
                        {"Bericht für März.txt", "", "Grüße"},
                        {"empty.bin", "application/octet-stream", ""}};
    const entity e = build(spec);
    EXPECT_THAT(e.get("Content-Type"), HasSubstr("multipart/mixed; boundary="));
    const auto parts = parts_of(e);
    ASSERT_EQ(parts.size(), 4u);

    EXPECT_THAT(parts[0].get("Content-Type"), HasSubstr("multipart/alternative"));
    EXPECT_EQ(parts_of(parts[0]).size(), 2u);

    EXPECT_EQ(parts[1].get("Content-Type"), "application/pdf");
    EXPECT_EQ(parts[1].get("Content-Transfer-Encoding"), "base64");
    EXPECT_EQ(parts[1].get("Content-Disposition"), "attachment; filename=\"report 2026.pdf\"");
    EXPECT_EQ(decoded_body(parts[1]), pdf);

    EXPECT_EQ(parts[2].get("Content-Type"), "application/octet-stream");
    EXPECT_EQ(parts[2].get("Content-Disposition"),
              "attachment; filename*=utf-8''Bericht%20f%C3%BCr%20M%C3%A4rz.txt");
    EXPECT_EQ(decoded_body(parts[2]), "Grüße");

    EXPECT_EQ(decoded_body(parts[3]), "");
    expect_folded(e);
}

TEST(MimeMessage, TextOnlyWithAnAttachmentHasNoAlternativePart)
{
    message_spec spec = basic_spec();
    spec.attachments = {{"a \"quoted\" name.txt", "text/plain", "x"}};
    const auto parts = parts_of(build(spec));
    ASSERT_EQ(parts.size(), 2u);
    EXPECT_EQ(parts[0].get("Content-Type"), "text/plain; charset=utf-8");
    EXPECT_EQ(parts[1].get("Content-Disposition"),
              "attachment; filename=\"a \\\"quoted\\\" name.txt\"");
}

TEST(MimeMessage, BoundariesAreFreshForEveryMessage)
{
    message_spec spec = basic_spec();
    spec.html = "<p>Hi</p>";
    EXPECT_NE(build(spec).get("Content-Type"), build(spec).get("Content-Type"));
}

TEST(MimeMessage, NonAsciiSubjectsAndDisplayNamesAreEncodedWords)
{
    message_spec spec = basic_spec();
    spec.subject = "Grüße aus München – 日本語 🎉";
    spec.from.display_name = "Jürgen Müller";
    spec.to.display_name = "山田 太郎";
    const entity e = build(spec);
    EXPECT_THAT(e.get("Subject"), HasSubstr("=?utf-8?"));
    EXPECT_EQ(text_of(e.get("Subject")), spec.subject);
    EXPECT_EQ(parse_mailbox(e.get("From")), std::make_pair("Jürgen Müller"s, "news@shop.example"s));
    EXPECT_EQ(parse_mailbox(e.get("To")), std::make_pair("山田 太郎"s, "jane@example.org"s));
    expect_folded(e);

    // Mostly ASCII, so Q, with the characters Q must escape in a display name.
    spec.from.display_name =
        "Mueller_und=Soehne? (Gruesse), \"Shop\" <info> ü and many more words in a name";
    const std::string from = build(spec).get("From");
    EXPECT_THAT(from, HasSubstr("=?utf-8?Q?"));
    EXPECT_EQ(parse_mailbox(from).first, spec.from.display_name);
}

TEST(MimeMessage, MostlyAsciiTextIsQEncodedTheRestB)
{
    message_spec spec = basic_spec();
    spec.subject = "Café menu of the week";
    EXPECT_EQ(build(spec).get("Subject"), "=?utf-8?Q?Caf=C3=A9_menu_of_the_week?=");
    // Shorter in B: 4 octets of 3 rather than 9 + 2 * 2.
    spec.subject = "Café menu";
    EXPECT_EQ(build(spec).get("Subject"), "=?utf-8?B?Q2Fmw6kgbWVudQ==?=");
    spec.subject = "日本語のテキスト";
    EXPECT_THAT(build(spec).get("Subject"), HasSubstr("=?utf-8?B?"));
}

TEST(MimeMessage, LongSubjectsFoldAndUnfoldToWhatWentIn)
{
    message_spec spec = basic_spec();
    std::string ascii;
    for (int i = 0; i < 60; ++i) {
        ascii += "word" + std::to_string(i) + (i % 7 ? " " : "\t");
    }
    ascii += "end";
    spec.subject = ascii;
    entity e = build(spec);
    EXPECT_EQ(e.get("Subject"), ascii);
    EXPECT_GT(e.raw_header_lines.size(), 10u);
    expect_folded(e);

    std::string unicode;
    for (int i = 0; i < 500; ++i) {
        unicode += "ü日🎉 ";
    }
    spec.subject = unicode;
    e = build(spec);
    EXPECT_EQ(text_of(e.get("Subject")), unicode);
    expect_folded(e);
}

TEST(MimeMessage, UnfoldableAsciiSubjectsAreEncodedRatherThanOverlong)
{
    message_spec spec = basic_spec();
    spec.subject = std::string(2000, 'x');
    const entity e = build(spec);
    EXPECT_EQ(text_of(e.get("Subject")), spec.subject);
    expect_folded(e);
}

TEST(MimeMessage, UnfoldableDisplayNamesAreEncodedRatherThanOverlong)
{
    message_spec spec = basic_spec();
    for (int i = 0; i < 500; ++i) {
        spec.to.display_name += "a,b.";
    }
    const entity e = build(spec);
    EXPECT_EQ(parse_mailbox(e.get("To")),
              std::make_pair(spec.to.display_name, "jane@example.org"s));
    expect_folded(e);
}

TEST(MimeMessage, TextThatLooksLikeAnEncodedWordIsEncoded)
{
    message_spec spec = basic_spec();
    spec.subject = "=?utf-8?Q?not_decoded?=";
    spec.from.display_name = "=?utf-8?B?QWRtaW4=?=";
    const entity e = build(spec);
    EXPECT_NE(e.get("Subject"), spec.subject);
    EXPECT_EQ(text_of(e.get("Subject")), spec.subject);
    EXPECT_EQ(parse_mailbox(e.get("From")).first, spec.from.display_name);
}

TEST(MimeMessage, DisplayNamesAreQuotedWhenTheyHoldSpecials)
{
    message_spec spec = basic_spec();
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"Jane Doe", "Jane Doe <news@shop.example>"},
        {"Doe, Jane", "\"Doe, Jane\" <news@shop.example>"},
        {"J. Doe", "\"J. Doe\" <news@shop.example>"},
        {"Jane \"JD\" Doe", "\"Jane \\\"JD\\\" Doe\" <news@shop.example>"},
        {"back\\slash", "\"back\\\\slash\" <news@shop.example>"},
        {" padded  name ", "\" padded  name \" <news@shop.example>"},
        {"<admin@bank.example>", "\"<admin@bank.example>\" <news@shop.example>"}};
    for (const auto& [name, header] : cases) {
        spec.from.display_name = name;
        const entity e = build(spec);
        EXPECT_EQ(e.get("From"), header);
        EXPECT_EQ(parse_mailbox(e.get("From")).first, name);
    }
}

TEST(MimeMessage, ReplyToAndInternationalAddresses)
{
    message_spec spec = basic_spec();
    spec.reply_to = mailbox{"Support", addressing::parse_address("help@bücher.example")};
    spec.to = {"", addressing::parse_address("用户@例え.テスト")};
    const entity e = build(spec);
    EXPECT_EQ(e.get("Reply-To"), "Support <help@xn--bcher-kva.example>");
    EXPECT_EQ(e.get("To"), "用户@xn--r8jz45g.xn--zckzah");
}

TEST(MimeMessage, ListUnsubscribeHeaders)
{
    message_spec spec = basic_spec();
    spec.list_unsubscribe_mailto = "mailto:unsub@shop.example?subject=unsubscribe";
    spec.list_unsubscribe_url = "https://shop.example/unsubscribe?t=abc";
    entity e = build(spec);
    EXPECT_EQ(e.get("List-Unsubscribe"), "<mailto:unsub@shop.example?subject=unsubscribe>, "
                                         "<https://shop.example/unsubscribe?t=abc>");
    EXPECT_EQ(e.get("List-Unsubscribe-Post"), "List-Unsubscribe=One-Click");

    spec.list_unsubscribe_url.clear();
    e = build(spec);
    EXPECT_EQ(e.get("List-Unsubscribe"), "<mailto:unsub@shop.example?subject=unsubscribe>");
    EXPECT_TRUE(e.all("List-Unsubscribe-Post").empty());

    spec.list_unsubscribe_mailto.clear();
    spec.list_unsubscribe_url = "https://shop.example/u/" + std::string(100, 'x');
    e = build(spec);
    EXPECT_EQ(e.get("List-Unsubscribe"), "<" + spec.list_unsubscribe_url + ">");
    EXPECT_EQ(e.get("List-Unsubscribe-Post"), "List-Unsubscribe=One-Click");
}

TEST(MimeMessage, RefusesListUnsubscribeUrisOfTheWrongKind)
{
    for (const char* url : {"http://shop.example/u", "https://", "javascript:alert(1)",
                            "https://shop.example/u>\r\nBcc: x@example.org", "https://a b/",
                            "mailto:unsub@shop.example", "shop.example/u"}) {
        message_spec spec = basic_spec();
        spec.list_unsubscribe_url = url;
        EXPECT_THAT(message_error_of(spec), HasSubstr("list_unsubscribe_url")) << url;
    }
    for (const char* mailto : {"unsub@shop.example", "https://shop.example/u",
                               "mailto:", "mailto:a@b.example>\r\nBcc: x@example.org"}) {
        message_spec spec = basic_spec();
        spec.list_unsubscribe_mailto = mailto;
        EXPECT_THAT(message_error_of(spec), HasSubstr("list_unsubscribe_mailto")) << mailto;
    }
}

TEST(MimeMessage, ExtraHeadersKeepTheirOrderAndAsciiValues)
{
    message_spec spec = basic_spec();
    spec.list_unsubscribe_url = "https://shop.example/u";
    const std::string meta = "m1AAECAwQFBgcICQoLDA0ODw." + std::string(150, 'Q');
    spec.headers = {{"X-Campaign", "spring sale"},
                    {"X-Mailgate-Meta", meta},
                    {"X-Note", "Grüße"},
                    {"X-Campaign", "second"}};
    const entity e = build(spec);
    std::vector<std::string> names;
    for (const auto& [name, value] : e.headers) {
        names.push_back(name);
    }
    EXPECT_THAT(names,
                ::testing::ElementsAre("Date", "From", "To", "Subject", "Message-ID",
                                       "List-Unsubscribe", "List-Unsubscribe-Post", "X-Campaign",
                                       "X-Mailgate-Meta", "X-Note", "X-Campaign", "MIME-Version",
                                       "Content-Type", "Content-Transfer-Encoding"));
    EXPECT_EQ(e.all("X-Campaign"), (std::vector<std::string>{"spring sale", "second"}));
    EXPECT_EQ(e.get("X-Mailgate-Meta"), meta);
    EXPECT_THAT(e.get("X-Note"), HasSubstr("=?utf-8?"));
    EXPECT_EQ(text_of(e.get("X-Note")), "Grüße");
}

TEST(MimeMessage, ExtraHeaderLinesNeverPass998Octets)
{
    message_spec spec = basic_spec();
    spec.headers = {{"X-Long", std::string(990, 't')}};
    const entity e = build(spec);
    EXPECT_EQ(e.get("X-Long"), std::string(990, 't'));

    spec.headers = {{"X-Long", std::string(991, 't')}};
    EXPECT_THAT(message_error_of(spec), HasSubstr("X-Long"));

    spec.headers = {{"X-Long", std::string(5000, 't') + " " + std::string(5000, 't')}};
    EXPECT_THAT(message_error_of(spec), HasSubstr("X-Long"));

    std::string spaced;
    for (int i = 0; i < 2000; ++i) {
        spaced += "token ";
    }
    spaced += "end";
    spec.headers = {{"X-Spaced", spaced}};
    const entity folded = build(spec);
    EXPECT_EQ(folded.get("X-Spaced"), spaced);
    expect_folded(folded);
}

TEST(CheckExtraHeader, RefusesHeadersTheGatewaySets)
{
    for (const char* name :
         {"From", "to", "CC", "Bcc", "subject", "Date", "message-id", "MIME-Version",
          "Content-Type", "content-transfer-encoding", "Content-Anything", "Reply-To",
          "List-Unsubscribe", "list-unsubscribe-post", "Received", "Return-Path"}) {
        try {
            check_extra_header(name, "x");
            ADD_FAILURE() << name << " was accepted";
        } catch (const message_error& e) {
            EXPECT_THAT(e.what(), HasSubstr(std::string("'") + name + "'"));
        }
    }
    EXPECT_NO_THROW(check_extra_header("X-Content", "x"));
    EXPECT_NO_THROW(check_extra_header("X-From", "x"));
    EXPECT_NO_THROW(check_extra_header("Fromage", "x"));
}

TEST(CheckExtraHeader, RefusesBadNamesAndValues)
{
    for (const std::string& name : {""s, "X Bad"s, "X:Bad"s, "X-Ü"s, "X-\x01"s, "X-\0"s,
                                    std::string(77, 'X'), "X-Bad\r\nBcc"s}) {
        EXPECT_THROW(check_extra_header(name, "x"), message_error) << name;
    }
    EXPECT_NO_THROW(check_extra_header(std::string(76, 'X'), "x"));
    for (const std::string& value :
         {"a\r\nBcc: x@example.org"s, "a\nb"s, "a\rb"s, "a\0b"s, "\xff\xfe"s, "caf\xc3"s}) {
        try {
            check_extra_header("X-Value", value);
            ADD_FAILURE() << "accepted";
        } catch (const message_error& e) {
            EXPECT_THAT(e.what(), HasSubstr("'X-Value'"));
        }
    }
    EXPECT_NO_THROW(check_extra_header("X-Value", ""));
    EXPECT_NO_THROW(check_extra_header("X-Value", "tab\tand ünïcödé"));

    message_spec spec = basic_spec();
    spec.headers = {{"X-Ok", "1"}, {"Bcc", "spy@example.org"}};
    EXPECT_THAT(message_error_of(spec), HasSubstr("'Bcc'"));
}

TEST(MimeMessage, BodyTransferEncodingFollowsTheContent)
{
    message_spec spec = basic_spec();
    spec.text = "Short ASCII lines.\nAnother.";
    EXPECT_EQ(build(spec).get("Content-Transfer-Encoding"), "7bit");

    const std::string long_line = std::string(2000, 'a') + " = " + std::string(10, 'b');
    spec.text = long_line;
    entity e = build(spec);
    EXPECT_EQ(e.get("Content-Transfer-Encoding"), "quoted-printable");
    EXPECT_EQ(decoded_body(e), long_line + "\r\n");

    spec.text = "Grüße aus München, trailing spaces   \nand a tab\t\nend";
    e = build(spec);
    EXPECT_EQ(e.get("Content-Transfer-Encoding"), "quoted-printable");
    EXPECT_THAT(e.body, HasSubstr("=20\r\n"));
    EXPECT_THAT(e.body, HasSubstr("=09\r\n"));
    EXPECT_EQ(decoded_body(e), "Grüße aus München, trailing spaces   \r\nand a tab\t\r\nend\r\n");

    spec.text = "日本語のテキストです。\nもう一行。";
    e = build(spec);
    EXPECT_EQ(e.get("Content-Transfer-Encoding"), "base64");
    EXPECT_EQ(decoded_body(e), "日本語のテキストです。\r\nもう一行。\r\n");
}

TEST(MimeMessage, LineBreaksBecomeCrlfAndTheBodyEndsWithOne)
{
    message_spec spec = basic_spec();
    spec.text = "a\nb\rc\r\nd\n\ne";
    EXPECT_EQ(build(spec).body, "a\r\nb\r\nc\r\nd\r\n\r\ne\r\n");
    spec.text = "\r\n";
    EXPECT_EQ(build(spec).body, "\r\n");
}

TEST(MimeMessage, HugeBodiesAndNamesStayWithinLineLimits)
{
    message_spec spec = basic_spec();
    spec.text = std::string(1 << 20, 'x') + "ü";
    spec.html = std::string(100000, '<');
    std::string name;
    for (int i = 0; i < 1000; ++i) {
        name += "Ä" + std::to_string(i) + " ";
    }
    spec.from.display_name = name;
    const entity e = build(spec);
    expect_folded(e);
    EXPECT_EQ(parse_mailbox(e.get("From")).first, name);
    const auto parts = parts_of(e);
    ASSERT_EQ(parts.size(), 2u);
    EXPECT_EQ(decoded_body(parts[0]), spec.text + "\r\n");
    EXPECT_EQ(decoded_body(parts[1]), spec.html + "\r\n");
}

TEST(MimeMessage, RefusesMessagesItCannotSend)
{
    auto reason = [](auto change) {
        message_spec spec = basic_spec();
        change(spec);
        return message_error_of(spec);
    };
    EXPECT_THAT(reason([](message_spec& s) { s.text.clear(); }), HasSubstr("neither"));
    for (const std::string& id : {""s, "no-at"s, "<a@b.example>"s, "a@b.example\r\nBcc: x"s,
                                  "a b@c.example"s, "a@@b.example"s, "a@b..example"s}) {
        EXPECT_THAT(reason([&](message_spec& s) { s.message_id = id; }), HasSubstr("message id"))
            << id;
    }
    EXPECT_THAT(reason([](message_spec& s) { s.subject = "Hi\r\nBcc: x@example.org"; }),
                HasSubstr("subject"));
    EXPECT_THAT(reason([](message_spec& s) { s.subject = "nul\0"s; }), HasSubstr("subject"));
    EXPECT_THAT(reason([](message_spec& s) { s.subject = "\xc3\x28"; }), HasSubstr("UTF-8"));
    EXPECT_THAT(reason([](message_spec& s) { s.to.display_name = "Jane\nBcc: x"; }),
                HasSubstr("To display name"));
    EXPECT_THAT(reason([](message_spec& s) {
                    s.from.addr = {"a\r\nb", "example.com"};
                }),
                HasSubstr("From address"));
    EXPECT_THAT(reason([](message_spec& s) {
                    s.reply_to = mailbox{"", {"a", "localhost"}};
                }),
                HasSubstr("Reply-To address"));
    EXPECT_THAT(reason([](message_spec& s) { s.html = "\xff"; }), HasSubstr("text/html"));
}

TEST(MimeMessage, RefusesAttachmentsItCannotLabel)
{
    auto reason = [](attachment file) {
        message_spec spec = basic_spec();
        spec.attachments = {std::move(file)};
        return message_error_of(spec);
    };
    EXPECT_THAT(reason({"", "text/plain", "x"}), HasSubstr("no file name"));
    EXPECT_THAT(reason({"a\nb.txt", "text/plain", "x"}), HasSubstr("control character"));
    EXPECT_THAT(reason({"bad\xff.txt", "text/plain", "x"}), HasSubstr("not UTF-8"));
    EXPECT_THAT(reason({std::string(256, 'n'), "text/plain", "x"}), HasSubstr("at most 255"));
    EXPECT_EQ(reason({std::string(255, 'n'), "text/plain", "x"}), "built");
    for (const char* type : {"pdf", "text/", "/plain", "text/plain; charset=utf-8", "text/pl ain",
                             "text/plain\r\nBcc: x"}) {
        EXPECT_THAT(reason({"a.txt", type, "x"}), HasSubstr("content type")) << type;
    }
}

TEST(MimeMessage, DatesAreUtcInRfc5322Form)
{
    message_spec spec = basic_spec();
    spec.date = system_clock::time_point{};
    EXPECT_EQ(build(spec).get("Date"), "Thu, 01 Jan 1970 00:00:00 +0000");
    spec.date = sys_days{2024y / February / 29} + 23h + 59min + 59s + 999ms;
    EXPECT_EQ(build(spec).get("Date"), "Thu, 29 Feb 2024 23:59:59 +0000");
    spec.date = system_clock::time_point{} - 1s;
    EXPECT_EQ(build(spec).get("Date"), "Wed, 31 Dec 1969 23:59:59 +0000");
}

// The composer makes the Message-ID from the gateway's message id: its alphabet passes as the
// left half, at a domain name or an address literal.
TEST(MimeMessage, TakesTheGatewaysMessageIdAsTheMessageIdsLeftHalf)
{
    const std::string id = time_ordered_token(1'700'000'000'000) + "-_";
    message_spec spec = basic_spec();
    spec.message_id = id + "@shop.example";
    EXPECT_EQ(build(spec).get("Message-ID"), "<" + id + "@shop.example>");
    spec.message_id = id + "@[IPv6:2001:db8::1]";
    EXPECT_EQ(message_error_of(spec), "built");
}

} // namespace
} // namespace mailgate::core::outbound::mime
