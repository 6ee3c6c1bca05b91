// A truncated driver file in the plugins folder (an upgrade's copy interrupted): the real
// gateway starts, names the file and the reason in one log line, and serves with the others.
// Before the ELF check, dlopen died of SIGBUS on it and the gateway never started.

#include "gateway_process.hpp"

#include "tests/support/truncated_driver.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace mailgate::test {
namespace {

using ::testing::HasSubstr;

TEST(TruncatedDriver, TheGatewayStartsSkipsItWithTheReasonAndServes)
{
    char pattern[] = "/tmp/mailgate-truncated-XXXXXX";
    const std::filesystem::path plugins = mkdtemp(pattern);
    const std::filesystem::path real(MAILGATE_PLUGIN_DIR);
    std::filesystem::create_symlink(real / "mailgate-legacy.so", plugins / "mailgate-legacy.so");
    const auto damaged = plugins / "mailgate-smtp.so";
    const auto truncated = write_truncated_driver(real / "mailgate-smtp.so", damaged);

    gateway_options options;
    options.extra_args = {"--plugins", plugins.string()};
    gateway_process gw(options);

    EXPECT_THAT(gw.output(), HasSubstr(damaged.string() + ": skipped: " + truncated.reason()));
    EXPECT_EQ(gw.request("GET", "/healthz").status, 200);
    const auto reply =
        gw.request("POST", "/v1/callbacks/legacy",
                   R"([{"event":"hardbounce","data":[{"e":"ann@example.com","ts":1435322805}]}])");
    EXPECT_EQ(reply.status, 200) << reply.body;
    std::filesystem::remove_all(plugins);
}

} // namespace
} // namespace mailgate::test
