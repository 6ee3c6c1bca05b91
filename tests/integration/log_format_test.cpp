// `serve --log-format json` on the real binary: every line the process writes is a JSON object,
// each request has a line with its route, provider, status and duration, and no secret of
// the configuration or of a request reaches the log.

#include "gateway_process.hpp"
#include "v2_callbacks.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <csignal>
#include <sstream>

namespace mailgate::test {
namespace {

namespace json = boost::json;

const std::string provider_password = "provider-password-s3cret-4711";
const std::string forged_token = "wrong-token-0123456789abcdef";

gateway_options json_logging()
{
    gateway_options o;
    o.extra_args = {"--log-format", "json"};
    o.extra_sections_yaml = v2_attribution_yaml;
    o.extra_providers_yaml = v2_provider_yaml +
                             "  - nickname: relay\n"
                             "    driver: smtp\n"
                             "    host: 127.0.0.1\n"
                             "    port: 2525\n"
                             "    scheme: smtp\n"
                             "    username: gateway\n"
                             "    password: " +
                             provider_password +
                             "\n"
                             "    callback_token: relay-callback-token-0123456789\n";
    return o;
}

std::vector<json::object> parse_lines(const std::string& output)
{
    std::vector<json::object> lines;
    std::istringstream in(output);
    for (std::string line; std::getline(in, line);) {
        boost::system::error_code ec;
        auto value = json::parse(line, ec);
        EXPECT_FALSE(ec) << "not JSON: " << line;
        if (!ec) {
            EXPECT_TRUE(value.is_object()) << line;
            lines.push_back(value.as_object());
        }
    }
    return lines;
}

const json::object* request_line(const std::vector<json::object>& lines, const char* route,
                                 int status)
{
    for (const auto& line : lines) {
        if (line.at("message") == "request" && line.at("route") == route &&
            line.at("status") == status) {
            return &line;
        }
    }
    return nullptr;
}

TEST(JsonLogs, EveryLineParsesAndRequestLinesCarryTheirFields)
{
    gateway_process gw(json_logging());
    ASSERT_EQ(gw.request("POST", v2_callback_url, v2_body({})).status, 200);
    ASSERT_EQ(gw.request("POST", "/v1/callbacks/esp?token=" + forged_token, v2_body({})).status,
              401);
    ASSERT_EQ(gw.admin("GET", "/v1/suppressions").status, 200);
    ASSERT_EQ(
        gw.request("GET", "/v1/suppressions", "", {{"Authorization", "Bearer " + forged_token}})
            .status,
        401);
    ASSERT_EQ(gw.stop(SIGTERM), 0);

    const std::string output = gw.output();
    const auto lines = parse_lines(output);
    ASSERT_GT(lines.size(), 5u);
    for (const auto& line : lines) {
        for (const char* key : {"time", "level", "area", "message"}) {
            EXPECT_TRUE(line.contains(key) && line.at(key).is_string()) << key << " in " << line;
        }
    }

    const auto* accepted = request_line(lines, "/v1/callbacks/{nickname}", 200);
    ASSERT_NE(accepted, nullptr) << output;
    EXPECT_EQ(accepted->at("provider"), "esp");
    EXPECT_EQ(accepted->at("method"), "POST");
    EXPECT_EQ(accepted->at("area"), "http");
    EXPECT_TRUE(accepted->at("duration_us").is_int64());
    EXPECT_GE(accepted->at("duration_us").as_int64(), 0);
    EXPECT_EQ(accepted->at("bytes_in").as_int64(), static_cast<std::int64_t>(v2_body({}).size()));

    const auto* refused = request_line(lines, "/v1/callbacks/{nickname}", 401);
    ASSERT_NE(refused, nullptr) << output;
    EXPECT_EQ(refused->at("provider"), "esp");

    const auto* admin = request_line(lines, "/v1/suppressions", 200);
    ASSERT_NE(admin, nullptr) << output;
    EXPECT_EQ(admin->at("method"), "GET");
    EXPECT_EQ(admin->at("provider"), "");
    EXPECT_TRUE(admin->at("duration_us").is_int64());
    EXPECT_NE(request_line(lines, "/v1/suppressions", 401), nullptr) << output;

    // Neither the configuration's secrets nor tokens a client sent, in any line.
    for (const std::string& secret :
         {gw.admin_token(), provider_password, std::string("esp-callback-token-0123456789"),
          std::string("relay-callback-token-0123456789"), forged_token,
          std::string("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")}) {
        EXPECT_EQ(output.find(secret), std::string::npos) << secret << " is in the log";
    }
}

// A 200 whose items were all refused must not read as success, nor a 401 as a bare status: the
// line says what the answer said.
TEST(JsonLogs, ACallbackLineCountsWhatWasStoredAndSaysWhyAnswersFailed)
{
    gateway_process gw(json_logging());
    const auto good = v2_item("hard_bounce", "a@example.com", v2_token("m1", "a@example.com"),
                              "550 5.1.1 no such user");
    const auto bad = v2_item("hard_bounce", "not-an-address", "", "550");
    ASSERT_EQ(gw.request("POST", v2_callback_url, v2_body({good, bad})).status, 200);
    ASSERT_EQ(gw.request("POST", v2_callback_url, v2_body({good})).status, 200);
    ASSERT_EQ(gw.request("POST", "/v1/callbacks/esp?token=" + forged_token, v2_body({good})).status,
              401);
    ASSERT_EQ(gw.stop(SIGTERM), 0);
    const auto lines = parse_lines(gw.output());

    std::vector<const json::object*> accepted;
    for (const auto& line : lines) {
        if (line.at("message") == "request" && line.at("status") == 200 &&
            line.at("route") == "/v1/callbacks/{nickname}") {
            accepted.push_back(&line);
        }
    }
    ASSERT_EQ(accepted.size(), 2u) << gw.output();
    EXPECT_EQ(accepted[0]->at("events"), 2);
    EXPECT_EQ(accepted[0]->at("stored"), 1);
    EXPECT_EQ(accepted[0]->at("duplicates"), 0);
    EXPECT_EQ(accepted[0]->at("unprocessed"), 1);
    EXPECT_TRUE(accepted[0]->contains("first_unprocessed")) << *accepted[0];
    EXPECT_EQ(accepted[0]->at("error"), "1 event(s) failed to process");
    EXPECT_EQ(accepted[1]->at("stored"), 0);
    EXPECT_EQ(accepted[1]->at("duplicates"), 1);
    EXPECT_FALSE(accepted[1]->contains("error"));

    const auto* refused = request_line(lines, "/v1/callbacks/{nickname}", 401);
    ASSERT_NE(refused, nullptr) << gw.output();
    EXPECT_FALSE(refused->at("error").as_string().empty()) << *refused;
    EXPECT_FALSE(refused->contains("stored"));
    EXPECT_EQ(gw.output().find(forged_token), std::string::npos);
}

TEST(JsonLogs, AnUnknownProviderIsNotNamedInTheRequestLine)
{
    gateway_process gw(json_logging());
    ASSERT_EQ(gw.request("POST", "/v1/callbacks/made-up%0Aname", "[]").status, 404);
    ASSERT_EQ(gw.stop(SIGTERM), 0);
    const auto lines = parse_lines(gw.output());
    const auto* line = request_line(lines, "/v1/callbacks/{nickname}", 404);
    ASSERT_NE(line, nullptr) << gw.output();
    EXPECT_EQ(line->at("provider"), "");
    EXPECT_EQ(gw.output().find("made-up"), std::string::npos);
}

TEST(JsonLogs, ARequestRefusedBeforeRoutingHasALineToo)
{
    gateway_options o = json_logging();
    o.extra_server_yaml = "  body_limit: 1KiB\n";
    gateway_process gw(o);
    ASSERT_EQ(gw.request("POST", v2_callback_url, std::string(4096, 'x')).status, 413);
    ASSERT_EQ(gw.stop(SIGTERM), 0);
    const auto lines = parse_lines(gw.output());
    const auto* line = request_line(lines, "", 413);
    ASSERT_NE(line, nullptr) << gw.output();
    EXPECT_EQ(line->at("refused"), "body too large");
    EXPECT_EQ(gw.output().find("esp-callback-token-0123456789"), std::string::npos);
}

TEST(TextLogs, RequestLinesAreKeyValuePairsByDefault)
{
    gateway_options o;
    o.extra_sections_yaml = v2_attribution_yaml;
    o.extra_providers_yaml = v2_provider_yaml;
    gateway_process gw(o);
    ASSERT_EQ(gw.request("POST", v2_callback_url, v2_body({})).status, 200);
    ASSERT_EQ(gw.stop(SIGTERM), 0);
    const std::string output = gw.output();
    EXPECT_NE(output.find("[http] request method=POST route=/v1/callbacks/{nickname} "
                          "provider=esp status=200 duration_us="),
              std::string::npos)
        << output;
    EXPECT_EQ(output.find("esp-callback-token-0123456789"), std::string::npos);
}

} // namespace
} // namespace mailgate::test
