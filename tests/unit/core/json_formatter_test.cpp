// The JSON log format: every line one parseable object, whatever the message holds, and
// log::write's fields as typed members (or as key=value in the text format).

#include "core/log/json_formatter.hpp"
#include "core/log/log.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <regex>
#include <sstream>

namespace mailgate::core::log {
namespace {

std::string format_line(std::string_view message,
                        spdlog::level::level_enum level = spdlog::level::info)
{
    spdlog::details::log_msg msg("http", level, message);
    spdlog::memory_buf_t out;
    json_formatter().format(msg, out);
    return fmt::to_string(out);
}

boost::json::object parse_line(const std::string& line)
{
    EXPECT_FALSE(line.empty());
    EXPECT_EQ(line.back(), '\n');
    EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line per message";
    boost::system::error_code ec;
    auto value = boost::json::parse(line, ec); // rejects invalid UTF-8
    EXPECT_FALSE(ec) << ec.message() << ": " << line;
    return ec ? boost::json::object{} : value.as_object();
}

TEST(JsonFormatter, ALineHasTimeLevelAreaAndMessage)
{
    auto line = parse_line(format_line("listening on 127.0.0.1:8025", spdlog::level::warn));
    EXPECT_TRUE(std::regex_match(std::string(line.at("time").as_string()),
                                 std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")))
        << line.at("time");
    EXPECT_EQ(line.at("level"), "warning");
    EXPECT_EQ(line.at("area"), "http");
    EXPECT_EQ(line.at("message"), "listening on 127.0.0.1:8025");
}

TEST(JsonFormatter, QuotesBackslashesAndControlCharactersAreEscaped)
{
    const std::string hostile = "say \"hi\" \\ back\nslash\r\t\x01\x1b[31mred\x7f";
    const auto text = format_line(hostile);
    auto line = parse_line(text);
    EXPECT_EQ(line.at("message").as_string(), hostile);
    EXPECT_EQ(text.find('\x1b'), std::string::npos) << "a terminal escape reached the output";
    // A forged line inside a message stays inside the message.
    auto forged = parse_line(format_line("x\n{\"level\":\"info\",\"message\":\"forged\"}"));
    EXPECT_EQ(forged.size(), 4u);
}

TEST(JsonFormatter, InvalidUtf8BecomesReplacementCharacters)
{
    // A lone continuation octet, a truncated sequence, an overlong '/', a surrogate, 0xFF.
    auto line = parse_line(format_line("a\x80 b\xc3 c\xc0\xaf d\xed\xa0\x80 e\xff f"));
    const std::string message(line.at("message").as_string());
    EXPECT_EQ(message.rfind("a\xEF\xBF\xBD b\xEF\xBF\xBD c", 0), 0u) << message;
    EXPECT_NE(message.find(" f"), std::string::npos);
    // Valid multi-octet text passes untouched.
    EXPECT_EQ(parse_line(format_line("Grüße ✓ 😀")).at("message"), "Grüße ✓ 😀");
}

// log::write through a real logger: the fields as typed members in JSON, key=value in text.
class LogWrite : public ::testing::Test {
protected:
    static std::ostringstream& captured()
    {
        // Static: other tests in this binary may log after this one, through the same sink.
        static std::ostringstream stream;
        return stream;
    }

    void SetUp() override
    {
        static const auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(captured());
        set_sink(sink);
        captured().str("");
    }
    void TearDown() override { set_format(format::text); }
};

TEST_F(LogWrite, JsonLinesCarryTheFieldsAsMembers)
{
    set_format(format::json);
    write(*get("http"), spdlog::level::info, "request",
          {{"route", "/v1/callbacks/{nickname}"},
           {"status", std::int64_t{401}},
           {"provider", "esp\"\n"}});
    auto line = parse_line(captured().str());
    EXPECT_EQ(line.at("message"), "request");
    EXPECT_EQ(line.at("route"), "/v1/callbacks/{nickname}");
    EXPECT_TRUE(line.at("status").is_int64());
    EXPECT_EQ(line.at("status"), 401);
    EXPECT_EQ(line.at("provider"), "esp\"\n");
}

TEST_F(LogWrite, TextLinesCarryTheFieldsAsKeyValuePairs)
{
    set_format(format::text);
    write(*get("http"), spdlog::level::info, "request",
          {{"route", "/healthz"},
           {"status", std::int64_t{200}},
           {"remote", "a b\nc"},
           {"provider", ""}});
    const std::string text = captured().str();
    EXPECT_NE(text.find("[http] request route=/healthz status=200 remote=\"a b\\nc\" "
                        "provider=\"\"\n"),
              std::string::npos)
        << text;
    EXPECT_EQ(text.find('\n'), text.size() - 1);
}

TEST_F(LogWrite, TextMessagesCannotForgeLinesOrDriveTheTerminal)
{
    set_format(format::text);
    // A hostile SMTP server's reply, as the delivery logs it.
    get("outbound")
        ->warn("failed: 550 no\r\n2024-01-01T00:00:00.000 info  [http] forged\x1b[2J "
               "csi\xc2\x9b"
               "1m end");
    const std::string text = captured().str();
    EXPECT_EQ(text.find('\n'), text.size() - 1) << text;
    EXPECT_EQ(text.find('\r'), std::string::npos) << text;
    EXPECT_EQ(text.find('\x1b'), std::string::npos) << text;
    EXPECT_EQ(text.find("\xc2\x9b"), std::string::npos) << text;
    EXPECT_NE(text.find("failed: 550 no\\x0D\\x0A2024-01-01T00:00:00.000 info  [http] "
                        "forged\\x1B[2J csi\\xC2\\x9B1m end\n"),
              std::string::npos)
        << text;
}

TEST_F(LogWrite, NothingBelowTheLevelIsWritten)
{
    set_level(spdlog::level::warn);
    write(*get("http"), spdlog::level::info, "request", {{"status", std::int64_t{200}}});
    set_level(spdlog::level::info);
    EXPECT_EQ(captured().str(), "");
}

TEST(LogFormat, OnlyTextAndJsonAreFormats)
{
    EXPECT_EQ(parse_format("text"), format::text);
    EXPECT_EQ(parse_format("json"), format::json);
    EXPECT_EQ(parse_format("JSON"), std::nullopt);
    EXPECT_EQ(parse_format(""), std::nullopt);
}

} // namespace
} // namespace mailgate::core::log
