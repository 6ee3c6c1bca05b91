// `mailgate`: the gateway's command line.

#include "core/cli/command_options.hpp"
#include "core/config/config_error.hpp"
#include "core/log/log.hpp"

#include <mailgate/sdk/abi.h>

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

namespace po = boost::program_options;
using namespace mailgate::core;

namespace {

using command_fn = int (*)(const cli::command_options&);

struct command {
    command_fn run;
    const char* summary;
    const char* arguments; ///< after the name, in the usage line
    std::vector<std::string> options;
};

const std::map<std::string, command>& commands()
{
    static const std::map<std::string, command> table{
        {"plugins",
         {&cli::run_plugins,
          "list the loaded drivers with their options",
          "[--check FILE]",
          {"check"}}},
        {"check-config",
         {&cli::run_check_config,
          "check the configuration file as serve would: every problem and warning at once",
          "[--strict] [--format text|json]",
          {"strict", "format"}}},
        {"meta",
         {&cli::run_meta,
          "print the attribution token of a message",
          "--email A [--message M] [--campaign C] [--profile P]",
          {"email", "message", "campaign", "profile"}}},
        {"serve", {&cli::run_serve, "run the gateway until SIGINT or SIGTERM", "", {"port-file"}}},
        {"send-test",
         {&cli::run_send_test,
          "send a test message through a provider, showing the SMTP conversation",
          "--provider NICK --to ADDRESS [--from A] [--json] [--allow-suppressed]",
          {"provider", "to", "from", "json", "allow-suppressed"}}},
        {"bounces",
         {&cli::run_bounces,
          "read bounce mail as the gateway does and print the result as JSON",
          "parse FILE... [--apply]   (- for standard input)",
          {"apply"}}},
        {"replay",
         {&cli::run_replay,
          "run a captured callback body through a provider's driver and the router",
          "--provider NICK FILE [--apply]",
          {"provider", "apply"}}},
        {"suppressions",
         {&cli::run_suppressions,
          "import, export or rebuild the suppression list (CSV or JSON lines)",
          "import FILE [--format F] [--from-line N] [--by WHO] | export [FILE] [--format F] "
          "[--stream S] [--reason R] | rebuild [--since DATE] [--dry-run] [--by WHO]",
          {"format", "from-line", "by", "stream", "reason", "since", "dry-run"}}},
    };
    return table;
}

// Every command takes these.
const std::vector<std::string>& common_options()
{
    static const std::vector<std::string> names{"help", "config", "plugins", "log-level",
                                                "log-format"};
    return names;
}

po::options_description pick(const po::options_description& all, const std::string& caption,
                             const std::vector<std::string>& names)
{
    po::options_description out(caption);
    for (const auto& option : all.options()) {
        if (std::find(names.begin(), names.end(), option->long_name()) != names.end()) {
            out.add(option);
        }
    }
    return out;
}

void print_help(const po::options_description& options)
{
    std::cout << "usage: mailgate [options] <command> [command options]\n\ncommands:\n";
    for (const auto& [name, c] : commands()) {
        std::cout << fmt::format("  {:<14} {}\n", name, c.summary);
    }
    std::cout << fmt::format("  {:<14} {}\n", "secret",
                             "generate-key, encrypt or decrypt a secret (mailgate secret --help)");
    std::cout << "\n"
              << pick(options, "options", common_options())
              << "\nmailgate <command> --help shows a command's own options.\n";
}

void print_command_help(const std::string& name, const command& c,
                        const po::options_description& options)
{
    std::cout << fmt::format("usage: mailgate {} {}\n\n{}\n\n", name, c.arguments, c.summary);
    if (!c.options.empty()) {
        std::cout << pick(options, name + " options", c.options) << "\n";
    }
    std::cout << pick(options, "options", common_options());
}

// An option the command does not take is a mistake to say, not to ignore.
std::optional<std::string> foreign_option(const po::variables_map& vm, const command& c)
{
    for (const auto& [name, value] : vm) {
        if (value.defaulted() || name == "command" || name == "input" ||
            std::find(common_options().begin(), common_options().end(), name) !=
                common_options().end() ||
            std::find(c.options.begin(), c.options.end(), name) != c.options.end()) {
            continue;
        }
        return name;
    }
    return std::nullopt;
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
        "port-file", po::value<std::string>(), "write the bound port to this file")(
        "provider", po::value<std::string>(),
        "the provider's nickname")("apply", "store the events (default: a dry run)")(
        "email", po::value<std::string>(),
        "the recipient")("message", po::value<std::string>(),
                         "the message id")("campaign", po::value<std::string>(), "the campaign id")(
        "profile", po::value<std::string>(), "the profile id")(
        "to", po::value<std::string>(), "the recipient")("from", po::value<std::string>(),
                                                         "the sender (default: the provider's)")(
        "json", "print the result as JSON")("allow-suppressed",
                                            "send even when the recipient is suppressed")(
        "check", po::value<std::string>(), "load only this driver file and report on it")(
        "format", po::value<std::string>(),
        "suppressions: csv or jsonl (default: the file's extension); check-config: text or json")(
        "strict", "warnings fail too")("from-line", po::value<std::size_t>(),
                                       "import: resume at this line")(
        "by", po::value<std::string>(), "who imports or rebuilds (default: $USER)")(
        "stream", po::value<std::string>(),
        "export: only this stream")("reason", po::value<std::string>(), "export: only this reason")(
        "since", po::value<std::string>(),
        "rebuild: only events since this date (YYYY-MM-DD or RFC 3339)")(
        "dry-run", "rebuild: print what would change, change nothing");
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
    if (vm.count("command") == 0) {
        print_help(options);
        return vm.count("help") != 0 ? 0 : 2;
    }
    const auto command = commands().find(vm["command"].as<std::string>());
    if (command == commands().end()) {
        std::cerr << "mailgate: unknown command '" << vm["command"].as<std::string>()
                  << "' (see mailgate --help)\n";
        return 2;
    }
    if (vm.count("help") != 0) {
        print_command_help(command->first, command->second, options);
        return 0;
    }
    if (const auto foreign = foreign_option(vm, command->second)) {
        std::cerr << fmt::format("mailgate {}: --{} is not an option of {} (see mailgate {} "
                                 "--help)\n",
                                 command->first, *foreign, command->first, command->first);
        return 2;
    }
    const auto level = spdlog::level::from_str(vm["log-level"].as<std::string>());
    log::set_level(level);
    // Which drivers were loaded from where is the server's start-up record; before another
    // command's output it is noise, unless asked for.
    if (command->first != "serve" && level > spdlog::level::debug) {
        log::get("plugin")->set_level(std::max(level, spdlog::level::warn));
    }
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
    parsed.strict = vm.count("strict") != 0;
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
    return command->second.run(parsed);
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
