// `mailgate`: the gateway's command line.

#include "core/cli/command_options.hpp"
#include "core/config/config_error.hpp"
#include "core/log/log.hpp"

#include <mailgate/sdk/abi.h>

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include <cstdlib>
#include <iostream>
#include <map>
#include <string_view>

namespace po = boost::program_options;
using namespace mailgate::core;

namespace {

using command_fn = int (*)(const cli::command_options&);

const std::map<std::string, std::pair<command_fn, const char*>>& commands()
{
    static const std::map<std::string, std::pair<command_fn, const char*>> table{
        {"plugins",
         {&cli::run_plugins, "list the loaded drivers with their options (--check FILE: judge "
                             "one driver file without scanning the folder)"}},
        {"check-config",
         {&cli::run_check_config, "check the configuration file against the loaded drivers"}},
        {"meta",
         {&cli::run_meta, "print the attribution token of a message (--email A [--message M] "
                          "[--campaign C] [--profile P])"}},
        {"serve", {&cli::run_serve, "run the gateway until SIGINT or SIGTERM"}},
        {"send-test",
         {&cli::run_send_test, "send a test message through a provider, showing the SMTP "
                               "conversation (--provider NICK --to ADDRESS [--from A] [--json])"}},
        {"bounces",
         {&cli::run_bounces, "read bounce mail as the gateway does and print the result as JSON "
                             "(parse FILE... [--apply]; - for stdin)"}},
        {"replay",
         {&cli::run_replay, "run a captured callback body through a provider's driver and the "
                            "router (--provider NICK FILE [--apply])"}},
        {"suppressions",
         {&cli::run_suppressions,
          "import, export or rebuild the suppression list (CSV or JSON lines) "
          "(import FILE | export [FILE] | rebuild)"}},
    };
    return table;
}

void print_help(const po::options_description& options)
{
    std::cout << "usage: mailgate [options] <command>\n\ncommands:\n";
    for (const auto& [name, command] : commands()) {
        std::cout << fmt::format("  {:<14} {}\n", name, command.second);
    }
    std::cout << fmt::format("  {:<14} {}\n", "secret",
                             "generate-key, encrypt or decrypt a secret (mailgate secret --help)");
    std::cout << "\n" << options;
}

std::string default_config_file()
{
    const char* env = std::getenv("MAILGATE_CONFIG");
    return env != nullptr ? env : "config/mailgate.yaml";
}

int run(int argc, char** argv)
{
    po::options_description options("options");
    options.add_options()("help,h", "show this help")("version", "show the version")(
        "config,c", po::value<std::string>(),
        "configuration file (default: $MAILGATE_CONFIG or config/mailgate.yaml)")(
        "plugins", po::value<std::string>(), "plugins folder (overrides the file's)")(
        "log-level", po::value<std::string>()->default_value("info"), "debug, info, warn or error")(
        "log-format", po::value<std::string>()->default_value("text"),
        "text (for people) or json (one object per line, for log collectors)")(
        "port-file", po::value<std::string>(), "serve: write the bound port to this file")(
        "provider", po::value<std::string>(), "replay: the provider's nickname")(
        "apply", "replay, bounces: store the events (default: dry run)")(
        "email", po::value<std::string>(),
        "meta: the recipient")("message", po::value<std::string>(), "meta: the message id")(
        "campaign", po::value<std::string>(), "meta: the campaign id")(
        "profile", po::value<std::string>(), "meta: the profile id")("to", po::value<std::string>(),
                                                                     "send-test: the recipient")(
        "from", po::value<std::string>(), "send-test: the sender (default: the provider's)")(
        "json", "send-test: print the result as JSON")(
        "allow-suppressed", "send-test: send even when the recipient is suppressed")(
        "check", po::value<std::string>(), "plugins: load only this driver file and report on it")(
        "format", po::value<std::string>(), "suppressions: csv or jsonl (default: the extension)")(
        "from-line", po::value<std::size_t>(), "suppressions import: resume at this line")(
        "by", po::value<std::string>(), "suppressions import: who imports (default: $USER)")(
        "stream", po::value<std::string>(), "suppressions export: only this stream")(
        "reason", po::value<std::string>(), "suppressions export: only this reason")(
        "since", po::value<std::string>(),
        "suppressions rebuild: only events since this date (YYYY-MM-DD or RFC 3339)")(
        "dry-run", "suppressions rebuild: print what would change, change nothing");
    po::options_description all;
    all.add(options).add_options()("command", po::value<std::string>())(
        "input", po::value<std::vector<std::string>>());
    po::positional_options_description positional;
    positional.add("command", 1).add("input", -1);

    po::variables_map vm;
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
    po::notify(vm);

    if (vm.count("version") != 0) {
        std::cout << fmt::format("mailgate {} (driver ABI {}.{})\n", MAILGATE_VERSION,
                                 MG_ABI_VERSION_MAJOR, MG_ABI_VERSION_MINOR);
        return 0;
    }
    if (vm.count("help") != 0 || vm.count("command") == 0) {
        print_help(options);
        return vm.count("help") != 0 ? 0 : 2;
    }
    const auto command = commands().find(vm["command"].as<std::string>());
    if (command == commands().end()) {
        std::cerr << "mailgate: unknown command '" << vm["command"].as<std::string>()
                  << "' (see mailgate --help)\n";
        return 2;
    }
    log::set_level(spdlog::level::from_str(vm["log-level"].as<std::string>()));
    const auto log_format = log::parse_format(vm["log-format"].as<std::string>());
    if (!log_format) {
        std::cerr << "mailgate: --log-format must be text or json (see mailgate --help)\n";
        return 2;
    }
    log::set_format(*log_format);

    cli::command_options parsed;
    parsed.config_given = vm.count("config") != 0 || std::getenv("MAILGATE_CONFIG") != nullptr;
    parsed.config_file =
        vm.count("config") != 0 ? vm["config"].as<std::string>() : default_config_file();
    if (vm.count("plugins") != 0) {
        parsed.plugins_directory = vm["plugins"].as<std::string>();
    }
    if (vm.count("port-file") != 0) {
        parsed.port_file = vm["port-file"].as<std::string>();
    }
    if (vm.count("provider") != 0) {
        parsed.provider = vm["provider"].as<std::string>();
    }
    if (vm.count("check") != 0) {
        parsed.check_file = vm["check"].as<std::string>();
    }
    if (vm.count("input") != 0) {
        parsed.arguments = vm["input"].as<std::vector<std::string>>();
        parsed.input_file = parsed.arguments.front();
    }
    if (vm.count("from-line") != 0) {
        parsed.from_line = vm["from-line"].as<std::size_t>();
    }
    parsed.apply = vm.count("apply") != 0;
    parsed.json = vm.count("json") != 0;
    parsed.allow_suppressed = vm.count("allow-suppressed") != 0;
    parsed.dry_run = vm.count("dry-run") != 0;
    for (auto [name, field] :
         {std::pair{"email", &parsed.email}, std::pair{"message", &parsed.message_id},
          std::pair{"campaign", &parsed.campaign_id}, std::pair{"profile", &parsed.profile},
          std::pair{"to", &parsed.to}, std::pair{"from", &parsed.from},
          std::pair{"format", &parsed.list_format}, std::pair{"by", &parsed.by},
          std::pair{"stream", &parsed.stream}, std::pair{"reason", &parsed.reason},
          std::pair{"since", &parsed.since}}) {
        if (vm.count(name) != 0) {
            *field = vm[name].as<std::string>();
        }
    }
    return command->second.first(parsed);
}

} // namespace

int main(int argc, char** argv)
{
    try {
        // `secret` reads its own arguments (and stdin): it never loads a configuration.
        if (argc >= 2 && std::string_view(argv[1]) == "secret") {
            return cli::run_secret(argc - 1, argv + 1);
        }
        return run(argc, argv);
    } catch (const po::error& e) {
        std::cerr << "mailgate: " << e.what() << " (see mailgate --help)\n";
        return 2;
    } catch (const config::config_error& e) {
        std::cerr << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "mailgate: " << e.what() << "\n";
        return 1;
    }
}
