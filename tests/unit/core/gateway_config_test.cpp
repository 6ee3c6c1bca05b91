#include "core/config/config_error.hpp"
#include "core/config/gateway_config.hpp"
#include "core/plugin/provider_set.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

namespace mailgate::core::config {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

class GatewayConfig : public ::testing::Test {
protected:
    std::filesystem::path dir_ = std::filesystem::temp_directory_path() /
                                 ("mailgate-config-test-" + std::to_string(::getpid()));

    void SetUp() override { std::filesystem::create_directories(dir_); }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::filesystem::path write(const std::string& text)
    {
        auto file = dir_ / "mailgate.yaml";
        std::ofstream(file) << text;
        return file;
    }

    // The problems of loading `text` and creating its providers from the fixture drivers.
    std::string problems(const std::string& text)
    {
        try {
            auto config = load_config(write(text));
            config.plugins_directory = FIXTURE_PLUGIN_DIR;
            auto registry = plugin::driver_registry::scan(config.plugins_directory);
            plugin::provider_set::create(config, registry, secret_resolver(config));
        } catch (const config_error& e) {
            return e.what();
        }
        return "";
    }
};

TEST_F(GatewayConfig, LoadsProvidersAndResolvesPathsFromTheFilesFolder)
{
    auto config = load_config(write("plugins:\n"
                                    "  directory: ../lib/plugins\n"
                                    "providers:\n"
                                    "  - nickname: primary\n"
                                    "    driver: fixture_good\n"
                                    "    endpoint: https://esp.test\n"
                                    "    retries: 5\n"));
    EXPECT_EQ(config.plugins_directory, (dir_.parent_path() / "lib/plugins").lexically_normal());
    ASSERT_EQ(config.providers.size(), 1u);
    EXPECT_EQ(config.providers[0].nickname, "primary");
    EXPECT_EQ(config.providers[0].driver, "fixture_good");
    EXPECT_EQ(config.providers[0].options.at("retries").text, "5");
    EXPECT_EQ(config.providers[0].options.at("retries").where, write("").string() + ":7:14");
}

TEST_F(GatewayConfig, ASyntaxErrorNamesFileLineAndColumn)
{
    const auto file = write("providers:\n  - nickname: [unclosed\n");
    try {
        load_config(file);
        FAIL() << "expected a config_error";
    } catch (const config_error& e) {
        EXPECT_THAT(e.what(), HasSubstr(file.string() + ":3:1:"));
    }
}

TEST_F(GatewayConfig, StructureErrorsNameTheField)
{
    EXPECT_THAT(problems("listen: 1\n"), HasSubstr("mailgate.yaml:1:1: listen: unknown section"));
    EXPECT_THAT(problems("providers: {}\n"), HasSubstr("providers: must be a list"));
    EXPECT_THAT(problems("providers:\n  - driver: fixture_good\n"),
                HasSubstr("providers[0].nickname: is required"));
    EXPECT_THAT(problems("providers:\n  - nickname: has space\n    driver: x\n"),
                HasSubstr(":2:15: providers[0].nickname: 'has space' is not URL-safe"));
    EXPECT_THAT(problems("providers:\n"
                         "  - {nickname: a, driver: fixture_good, endpoint: x}\n"
                         "  - {nickname: a, driver: fixture_good, endpoint: y}\n"),
                HasSubstr(":3:5: providers[1].nickname: 'a' is used by another provider"));
    EXPECT_THAT(problems("plugins:\n  folder: x\n"), HasSubstr("plugins.folder: unknown field"));
}

TEST_F(GatewayConfig, OptionsAreCheckedAgainstTheDriversTable)
{
    const std::string text = problems("providers:\n"
                                      "  - nickname: primary\n"
                                      "    driver: fixture_good\n"
                                      "    retries: lots\n"
                                      "    colour: blue\n"
                                      "    verbose: [1]\n");
    EXPECT_THAT(text, HasSubstr(":4:14: provider 'primary': option 'retries' must be an integer, "
                                "got 'lots'"));
    EXPECT_THAT(text, HasSubstr(":5:13: provider 'primary': unknown option 'colour' (driver "
                                "'fixture_good' takes: endpoint, retries, verbose, token)"));
    EXPECT_THAT(text, HasSubstr(":6:14: provider 'primary': option 'verbose' must be true or "
                                "false"));
    EXPECT_THAT(text, HasSubstr(":2:5: provider 'primary': missing required option 'endpoint'"));
}

TEST_F(GatewayConfig, EveryProviderIsCheckedAndSecretsAreNeverPrinted)
{
    const std::string text = problems("providers:\n"
                                      "  - nickname: one\n"
                                      "    driver: missing_driver\n"
                                      "  - nickname: two\n"
                                      "    driver: fixture_good\n"
                                      "    endpoint: x\n"
                                      "    retries: -4\n"
                                      "    token: s3cr3t-value\n");
    EXPECT_THAT(text, AllOf(HasSubstr("provider 'one': driver 'missing_driver' is not loaded"),
                            HasSubstr("provider 'two': option 'retries': must not be negative"),
                            Not(HasSubstr("s3cr3t-value"))));
}

TEST_F(GatewayConfig, SecretOptionsAreResolvedAndTheirErrorsNameWhereNotWhat)
{
    ::unsetenv("MAILGATE_TEST_UNSET_TOKEN");
    const std::string text = problems("providers:\n"
                                      "  - nickname: primary\n"
                                      "    driver: fixture_good\n"
                                      "    endpoint: x\n"
                                      "    token: env:MAILGATE_TEST_UNSET_TOKEN\n");
    EXPECT_THAT(text, HasSubstr(":5:12: provider 'primary': option 'token': environment variable "
                                "MAILGATE_TEST_UNSET_TOKEN is not set"));

    std::ofstream(dir_ / "token.txt") << "file-secret-value\n";
    EXPECT_EQ(
        problems("providers:\n"
                 "  - {nickname: p, driver: fixture_good, endpoint: x, token: file:token.txt}\n"),
        "")
        << "file: paths are relative to the configuration file";
    EXPECT_THAT(
        problems("providers:\n"
                 "  - {nickname: p, driver: fixture_good, endpoint: x, token: enc:v1:AAAA}\n"),
        AllOf(HasSubstr("no secrets key configured"), Not(HasSubstr("AAAA"))));
}

TEST_F(GatewayConfig, ServerAndStorageSections)
{
    auto config = load_config(write("server:\n"
                                    "  listen: '[::1]:9000'\n"
                                    "  body_limit: 2MiB\n"
                                    "  read_timeout: 250ms\n"
                                    "  threads: 4\n"
                                    "storage:\n"
                                    "  path: data/gw.db\n"));
    EXPECT_EQ(config.server.address, "::1");
    EXPECT_EQ(config.server.port, 9000);
    EXPECT_EQ(config.server.body_limit, 2u * 1024 * 1024);
    EXPECT_EQ(config.server.read_timeout, std::chrono::milliseconds(250));
    EXPECT_EQ(config.server.threads, 4u);
    EXPECT_EQ(config.storage.path, dir_ / "data/gw.db");
    EXPECT_EQ(default_public_url(config.server, 9000), "http://[::1]:9000");

    EXPECT_THAT(problems("server:\n  listen: nowhere\n"),
                HasSubstr(":2:11: server.listen: must be"));
    EXPECT_THAT(problems("server:\n  body_limit: lots\n"),
                HasSubstr("server.body_limit: must be a size like 8MiB, got 'lots'"));
    EXPECT_THAT(problems("server:\n  header_limit: 1MiB\n"),
                HasSubstr("server.header_limit: must be a size like 16KiB, at most 64KiB, got "
                          "'1MiB'"));
    EXPECT_EQ(load_config(write("server:\n  header_limit: 64KiB\n")).server.header_limit,
              64u * 1024);
    EXPECT_THAT(problems("server:\n  read_timeout: 0s\n"), HasSubstr("server.read_timeout"));
    EXPECT_THAT(problems("server:\n  tls_certificate: a.pem\n"),
                HasSubstr("tls_certificate and tls_private_key go together"));
    EXPECT_THAT(problems("storage:\n  backend: oracle\n"),
                HasSubstr("storage.backend: must be sqlite or postgres"));
}

TEST_F(GatewayConfig, WorkersQueueAndHandlerTimeout)
{
    const auto defaults = load_config(write("server:\n  threads: 2\n"));
    EXPECT_EQ(defaults.server.workers, 8u);
    EXPECT_EQ(defaults.server.worker_queue, 1024u);
    EXPECT_EQ(defaults.server.handler_timeout, std::chrono::seconds(10));

    const auto set =
        load_config(write("server:\n  workers: 3\n  worker_queue: 7\n  handler_timeout: 1500ms\n"));
    EXPECT_EQ(set.server.workers, 3u);
    EXPECT_EQ(set.server.worker_queue, 7u);
    EXPECT_EQ(set.server.handler_timeout, std::chrono::milliseconds(1500));

    const std::string bad =
        problems("server:\n  workers: 0\n  worker_queue: none\n  handler_timeout: 2h\n");
    EXPECT_THAT(bad, HasSubstr("server.workers: must be 1 to 1024, got '0'"));
    EXPECT_THAT(bad, HasSubstr("server.worker_queue: must be 1 to 1000000, got 'none'"));
    EXPECT_THAT(bad, HasSubstr("server.handler_timeout: must be at most 1h"));
}

TEST_F(GatewayConfig, PostgresStorage)
{
    auto config = load_config(write("storage:\n"
                                    "  backend: postgres\n"
                                    "  url: env:MAILGATE_DATABASE_URL\n"
                                    "  pool_size: 16\n"));
    EXPECT_EQ(config.storage.backend, "postgres");
    EXPECT_EQ(config.storage.url.text, "env:MAILGATE_DATABASE_URL");
    EXPECT_EQ(config.storage.url.where, write("").string() + ":3:8");
    EXPECT_EQ(config.storage.pool_size, 16u);
    EXPECT_EQ(load_config(write("storage:\n  backend: postgres\n  url: x\n")).storage.pool_size,
              8u);

    EXPECT_THAT(problems("storage:\n  backend: postgres\n"),
                HasSubstr(":2:3: storage.url: is required for the postgres backend"));
    EXPECT_THAT(problems("storage:\n  backend: postgres\n  url: ''\n"),
                HasSubstr(":3:8: storage.url: must not be empty"));
    EXPECT_THAT(problems("storage:\n  backend: postgres\n  url: x\n  pool_size: 0\n"),
                HasSubstr(":4:14: storage.pool_size: must be 1 to 1000, got '0'"));
    EXPECT_THAT(problems("storage:\n  backend: postgres\n  url: x\n  path: a.db\n"),
                HasSubstr(":4:9: storage.path: is for the sqlite backend, not postgres"));
    EXPECT_THAT(problems("storage:\n  url: x\n"),
                HasSubstr(":2:8: storage.url: is for the postgres backend, not sqlite"));
    EXPECT_THAT(problems("storage:\n  url: [a, b]\n"), HasSubstr("storage.url: must be a single"));
}

TEST_F(GatewayConfig, OutboundSectionDefaultsAndOverrides)
{
    auto defaults = load_config(write("providers: []\n")).outbound;
    EXPECT_EQ(defaults.max_age, std::chrono::hours(72)) << "3 days, as the retry policy says";
    EXPECT_EQ(defaults.greeting_timeout, std::chrono::minutes(5)) << "RFC 5321 4.5.3.2";
    EXPECT_EQ(defaults.data_end_timeout, std::chrono::minutes(10));

    auto config = load_config(write("outbound:\n"
                                    "  node_id: gw-1\n"
                                    "  ca_file: certs/ca.pem\n"
                                    "  max_connections: 50\n"
                                    "  max_age: 2d\n"
                                    "  retry_initial: 30s\n"
                                    "  retry_max: 2h\n"
                                    "  command_timeout: 750ms\n"));
    EXPECT_EQ(config.outbound.node_id, "gw-1");
    EXPECT_EQ(config.outbound.ca_file, dir_ / "certs/ca.pem");
    EXPECT_EQ(config.outbound.max_connections, 50u);
    EXPECT_EQ(config.outbound.max_age, std::chrono::hours(48));
    EXPECT_EQ(config.outbound.retry_initial, std::chrono::seconds(30));
    EXPECT_EQ(config.outbound.retry_max, std::chrono::hours(2));
    EXPECT_EQ(config.outbound.command_timeout, std::chrono::milliseconds(750));

    EXPECT_THAT(problems("outbound:\n  max_connections: 0\n"),
                HasSubstr(":2:20: outbound.max_connections: must be 1 to 100000, got '0'"));
    EXPECT_THAT(problems("outbound:\n  max_age: forever\n"),
                HasSubstr("outbound.max_age: must be a duration like"));
    EXPECT_THAT(problems("outbound:\n  retry_initial: 2h\n  retry_max: 1h\n"),
                HasSubstr("outbound.retry_max: must not be shorter than retry_initial"));
    EXPECT_THAT(problems("outbound:\n  pool: 3\n"),
                HasSubstr("outbound.pool: unknown field (known: "));
}

TEST_F(GatewayConfig, BouncesAreOffUntilConfigured)
{
    auto defaults = load_config(write("providers: []\n")).bounces;
    EXPECT_TRUE(defaults.domains.empty());
    EXPECT_FALSE(defaults.listen);
    EXPECT_TRUE(defaults.mailboxes.empty());
    EXPECT_FALSE(defaults.suppress_unattributed) << "a forged bounce must not suppress anyone";
}

TEST_F(GatewayConfig, BouncesSectionReadsListenerAndMailboxes)
{
    auto config = load_config(write("bounces:\n"
                                    "  domains: [bounces.example.com, b.example.org]\n"
                                    "  listen:\n"
                                    "    listen: 0.0.0.0:25\n"
                                    "    tls_certificate: certs/mx.pem\n"
                                    "    tls_private_key: certs/mx.key\n"
                                    "    max_message_size: 20MiB\n"
                                    "    command_timeout: 2m\n"
                                    "  mailboxes:\n"
                                    "    - name: gmail\n"
                                    "      host: imap.gmail.com\n"
                                    "      user: sender@example.com\n"
                                    "      password: env:GMAIL_APP_PASSWORD\n"
                                    "    - name: local\n"
                                    "      host: 127.0.0.1\n"
                                    "      port: 143\n"
                                    "      security: starttls\n"
                                    "      user: bounces\n"
                                    "      password: file:/etc/mailgate/imap\n"
                                    "      folder: Bounces\n"
                                    "      processed_folder: Done\n"
                                    "      poll_interval: 30s\n"))
                      .bounces;
    EXPECT_EQ(config.domains, (std::vector<std::string>{"bounces.example.com", "b.example.org"}));
    ASSERT_TRUE(config.listen);
    EXPECT_EQ(config.listen->address, "0.0.0.0");
    EXPECT_EQ(config.listen->port, 25);
    EXPECT_EQ(config.listen->tls_certificate, dir_ / "certs/mx.pem");
    EXPECT_EQ(config.listen->max_message_size, 20u * 1024 * 1024);
    EXPECT_EQ(config.listen->command_timeout, std::chrono::minutes(2));
    ASSERT_EQ(config.mailboxes.size(), 2u);
    EXPECT_EQ(config.mailboxes[0].port, 993) << "IMAPS";
    EXPECT_EQ(config.mailboxes[0].security, imap_security::tls);
    EXPECT_EQ(config.mailboxes[0].folder, "INBOX");
    EXPECT_EQ(config.mailboxes[0].processed_folder, "mailgate/processed");
    EXPECT_EQ(config.mailboxes[0].password.text, "env:GMAIL_APP_PASSWORD");
    EXPECT_EQ(config.mailboxes[1].security, imap_security::starttls);
    EXPECT_EQ(config.mailboxes[1].processed_folder, "Done");
    EXPECT_EQ(config.mailboxes[1].poll_interval, std::chrono::seconds(30));
}

TEST_F(GatewayConfig, BouncesSectionProblemsNameTheField)
{
    EXPECT_THAT(problems("bounces:\n  domains: [not a domain]\n"),
                HasSubstr("bounces.domains: 'not a domain' is not a domain name"));
    EXPECT_THAT(problems("bounces:\n  listen:\n    tls_certificate: a.pem\n"),
                HasSubstr("bounces.listen: tls_certificate and tls_private_key go together"));
    EXPECT_THAT(problems("bounces:\n  mailboxes:\n    - name: a\n      host: h\n      user: u\n"),
                HasSubstr("bounces.mailboxes[0].password: is required"));
    EXPECT_THAT(problems("bounces:\n  mailboxes:\n    - {name: a, host: h, user: u, password: p}\n"
                         "    - {name: a, host: h, user: u, password: p}\n"),
                HasSubstr("bounces.mailboxes[1].name: 'a' names another mailbox"));
    EXPECT_THAT(problems("bounces:\n  mailboxes:\n    - {name: a, host: h, user: u, password: p, "
                         "security: ssl}\n"),
                HasSubstr("bounces.mailboxes[0].security: must be tls, starttls or none"));
    EXPECT_THAT(problems("bounces:\n  relay: true\n"),
                HasSubstr("bounces.relay: unknown field (known: domains, listen, mailboxes"));
    EXPECT_THAT(problems("bounces:\n  suppress_unattributed: yes\n"),
                HasSubstr("bounces.suppress_unattributed: must be true or false"));
}

TEST_F(GatewayConfig, AValidFileCreatesItsProviders)
{
    auto config = load_config(write("providers:\n"
                                    "  - {nickname: one, driver: fixture_good, endpoint: a}\n"
                                    "  - {nickname: two, driver: fixture_libcxx}\n"));
    auto registry = plugin::driver_registry::scan(FIXTURE_PLUGIN_DIR);
    auto providers = plugin::provider_set::create(config, registry, secret_resolver(config));
    ASSERT_EQ(providers.providers().size(), 2u);
    ASSERT_NE(providers.find("two"), nullptr);
    EXPECT_EQ(providers.find("two")->library().id(), "fixture_libcxx");
    EXPECT_EQ(providers.find("three"), nullptr);
}

} // namespace
} // namespace mailgate::core::config
