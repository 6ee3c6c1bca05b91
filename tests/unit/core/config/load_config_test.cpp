// load_config on files the fuzz target (tests/fuzz/fuzz_config.cpp) found mishandled: every
// refusal a config_error whose problems start with "file:line:column:".

#include "core/config/config_error.hpp"
#include "core/config/gateway_config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

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

} // namespace
} // namespace mailgate::core::config
