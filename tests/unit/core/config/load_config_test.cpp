// load_config on files the fuzz target (tests/fuzz/fuzz_config.cpp) found mishandled: every
// refusal a config_error whose problems start with "file:line:column:".

#include "core/config/config_error.hpp"
#include "core/config/gateway_config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace mailgate::core::config {
namespace {

using ::testing::ElementsAre;

class LoadConfig : public ::testing::Test {
protected:
    std::filesystem::path dir_ = std::filesystem::temp_directory_path() /
                                 ("mailgate-load-config-test-" + std::to_string(::getpid()));

    void SetUp() override { std::filesystem::create_directories(dir_); }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    // The problems of loading `text`, without the file's path; none when it loads.
    std::vector<std::string> problems(const std::string& text)
    {
        const auto file = dir_ / "mailgate.yaml";
        std::ofstream(file) << text;
        try {
            load_config(file);
        } catch (const config_error& e) {
            std::vector<std::string> out;
            for (const auto& problem : e.problems()) {
                EXPECT_EQ(problem.rfind(file.string() + ":", 0), 0u) << problem;
                out.push_back(problem.substr(file.string().size()));
            }
            return out;
        }
        return {};
    }
};

// The null document has no position in yaml-cpp: it was reported at 0:0.
TEST_F(LoadConfig, AnEmptyFileIsRefusedAtItsStart)
{
    const char* expected = ":1:1: the file must be a map of sections (plugins, providers)";
    EXPECT_THAT(problems(""), ElementsAre(expected));
    EXPECT_THAT(problems("# nothing but a comment\n"), ElementsAre(expected));
}

// A list or a map as a key escaped as yaml-cpp's bad conversion, not a config_error.
TEST_F(LoadConfig, AKeyThatIsAListOrAMapIsAProblemWhereverItIs)
{
    EXPECT_THAT(problems("{[a]: b}\n"), ElementsAre(":1:2: a key must be a single value"));
    EXPECT_THAT(problems("server:\n"
                         "  ? [a, b]\n"
                         "  : 1\n"
                         "providers:\n"
                         "  - {nickname: a, driver: b, {x: 1}: 2}\n"
                         "plugins: {[d]: x}\n"),
                ElementsAre(":2:5: server: a key must be a single value",
                            ":5:30: providers[0]: a key must be a single value",
                            ":6:11: plugins: a key must be a single value"));
}

// docs/suppression.md: the section as an operator writes it.
TEST_F(LoadConfig, TheSuppressionSectionIsReadAsWritten)
{
    const auto file = dir_ / "mailgate.yaml";
    std::ofstream(file) << "suppression:\n"
                           "  streams: [transactional, marketing, digest]\n"
                           "  default_stream: digest\n"
                           "  rules:\n"
                           "    - name: full\n"
                           "      kind: soft_bounce\n"
                           "      reason: [mailboxfull, exceedlimit]\n"
                           "      provider: relay\n"
                           "      stream: [digest]\n"
                           "      action: count\n"
                           "      threshold: 3\n"
                           "      window: 7d\n"
                           "      for: 30d\n"
                           "    - {name: drops, kind: dropped, permanent: true, action: suppress,"
                           " scope: all}\n";
    const auto config = load_config(file);
    const auto& s = config.suppression;
    EXPECT_THAT(s.streams, ElementsAre("transactional", "marketing", "digest"));
    EXPECT_EQ(s.default_stream, "digest");
    ASSERT_TRUE(s.rules);
    ASSERT_EQ(s.rules->size(), 2u);
    const auto& full = s.rules->at(0);
    EXPECT_EQ(full.name, "full");
    EXPECT_THAT(full.kinds, ElementsAre("soft_bounce"));
    EXPECT_THAT(full.reasons, ElementsAre("mailboxfull", "exceedlimit"));
    EXPECT_THAT(full.providers, ElementsAre("relay"));
    EXPECT_THAT(full.streams, ElementsAre("digest"));
    EXPECT_EQ(full.action, "count");
    EXPECT_EQ(full.threshold, 3);
    EXPECT_EQ(full.window, std::chrono::days(7));
    EXPECT_EQ(full.duration, std::chrono::days(30));
    EXPECT_EQ(full.where, file.string() + ":5:7");
    EXPECT_EQ(s.rules->at(1).permanent, true);
    EXPECT_EQ(s.rules->at(1).scope, "all");
}

TEST_F(LoadConfig, NoSuppressionSectionMeansTheDefaults)
{
    const auto file = dir_ / "mailgate.yaml";
    std::ofstream(file) << "server:\n  threads: 2\n";
    const auto config = load_config(file);
    EXPECT_THAT(config.suppression.streams, ElementsAre("transactional", "marketing"));
    EXPECT_EQ(config.suppression.default_stream, "marketing");
    EXPECT_FALSE(config.suppression.rules);
}

// Every mistake at once, each where it is.
TEST_F(LoadConfig, SuppressionRulesThatCannotWorkAreRefusedEachWhereItIs)
{
    EXPECT_THAT(problems("suppression:\n"
                         "  streams: [Marketing, news, news]\n"
                         "  default_stream: promo\n"
                         "  rules:\n"
                         "    - name: a\n"
                         "      kind: hard_bounce\n"
                         "      action: count\n"
                         "    - name: a\n"
                         "      action: alert\n"
                         "      for: 1d\n"
                         "      stream: weekly\n"
                         "    - {action: block, frequency: 2}\n"),
                ElementsAre(":2:12: suppression.streams: 'Marketing' is not a stream name (a-z, "
                            "0-9, '_', '-'; at most 20)",
                            ":2:12: suppression.streams: 'news' is listed twice",
                            ":5:7: suppression.rules[0]: threshold and window go with action "
                            "count, and it needs both",
                            ":8:7: suppression.rules[1].for: goes with action suppress or count",
                            ":8:7: suppression.rules: 'a' names another rule",
                            ":12:23: suppression.rules[2].frequency: unknown field (known: name, "
                            "kind, reason, provider, stream, permanent, action, scope, for, "
                            "threshold, window)",
                            ":12:7: suppression.rules[2].name: is required: letters, digits, '.', "
                            "'_', '-'; at most 64",
                            ":12:7: suppression.rules[2].action: must be suppress, count, ignore "
                            "or alert",
                            ":3:19: suppression.default_stream: 'promo' is not one of "
                            "suppression.streams",
                            ":8:7: suppression.rules.a.stream: 'weekly' is not one of "
                            "suppression.streams"));
}

TEST_F(LoadConfig, AdminTokensHaveNames)
{
    const auto file = dir_ / "mailgate.yaml";
    std::ofstream(file) << "admin:\n"
                           "  token: env:ADMIN\n"
                           "  tokens:\n"
                           "    - {name: support, token: env:SUPPORT}\n";
    const auto config = load_config(file);
    ASSERT_EQ(config.admin_tokens.size(), 2u);
    EXPECT_EQ(config.admin_tokens[0].name, "admin");
    EXPECT_EQ(config.admin_tokens[1].name, "support");
    EXPECT_EQ(config.admin_tokens[1].token.text, "env:SUPPORT");
    EXPECT_THAT(problems("admin:\n"
                         "  tokens:\n"
                         "    - {name: admin, token: x}\n"
                         "    - {token: y}\n"
                         "  token: z\n"),
                ElementsAre(":4:7: admin.tokens[1]: needs a name (letters, digits, '.', '_', '-'; "
                            "at most 64) and a token",
                            ":5:10: admin: the token name 'admin' is used twice"));
}

} // namespace
} // namespace mailgate::core::config
