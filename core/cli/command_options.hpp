#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace mailgate::core::cli {

/// What every subcommand is told on the command line.
struct command_options {
    std::filesystem::path config_file;
    bool config_given = false; ///< --config or MAILGATE_CONFIG, rather than the default path
    std::optional<std::filesystem::path> plugins_directory; ///< --plugins overrides the file
    std::optional<std::filesystem::path> port_file;  ///< serve: where to write the bound port
    std::optional<std::string> provider;             ///< replay: the provider's nickname
    std::optional<std::filesystem::path> input_file; ///< replay: the captured body
    std::vector<std::string> arguments;    ///< every word after the command (input_file: the first)
    bool apply = false;                    ///< replay: store, not a dry run
    std::optional<std::string> email;      ///< meta: the recipient
    std::optional<std::string> message_id; ///< meta
    std::optional<std::string> campaign_id; ///< meta
    std::optional<std::string> profile;     ///< meta
    std::optional<std::string> to;          ///< send-test: the recipient
    std::optional<std::string> from;        ///< send-test: the sender, if not default
    bool json = false;                      ///< send-test: print JSON
    bool allow_suppressed = false;          ///< send-test: send to a suppressed recipient too
    std::optional<std::filesystem::path> check_file; ///< plugins: judge this one file
    std::optional<std::string> list_format;          ///< suppressions: csv or jsonl
    std::optional<std::size_t> from_line;            ///< suppressions import: resume at this line
    std::optional<std::string> by;     ///< suppressions import: who (source import:<by>)
    std::optional<std::string> stream; ///< suppressions export: only this stream
    std::optional<std::string> reason; ///< suppressions export: only this reason
    std::optional<std::string> since;  ///< suppressions rebuild: replay events since this date
    bool dry_run = false;              ///< suppressions rebuild: print, change nothing
    bool strict = false;               ///< check-config: warnings fail too
};

/// `mailgate plugins`: each loaded driver's id, version, ABI, file, capabilities and options.
/// With --check FILE: only that file, loaded as the gateway would load it, without scanning a
/// folder; exits 1 with the reason when the gateway would refuse it.
int run_plugins(const command_options& options);

/// `mailgate check-config`: loads the drivers and checks the file against them; exits
/// non-zero with every problem listed.
int run_check_config(const command_options& options);

/// `mailgate serve`: the gateway, until SIGINT or SIGTERM.
int run_serve(const command_options& options);

/// `mailgate replay --provider NICK FILE [--apply]`: a captured callback body through the same
/// driver and router, printing the events; stored only with --apply.
int run_replay(const command_options& options);

/// `mailgate bounces parse FILE... [--apply]`: each file (- for stdin) read as bounce mail,
/// printed as one JSON object a line; attributed and stored (with --apply) only when a
/// configuration is given. Exits 1 when a file could not be read or stored.
int run_bounces(const command_options& options);

/// `mailgate meta --email A [--message M] [--campaign C] [--profile P]`: the attribution
/// token for that message, signed with the configured key.
int run_meta(const command_options& options);

/// `mailgate send-test --provider NICK --to ADDRESS [--from ADDRESS] [--json]
/// [--allow-suppressed]`: one test message through the provider, printing the SMTP
/// conversation; exits 1 when it failed, or when the recipient is suppressed and
/// --allow-suppressed is not given (then nothing is sent).
int run_send_test(const command_options& options);

/// `mailgate suppressions import FILE [--format F] [--from-line N] [--by NAME]` and
/// `mailgate suppressions export [FILE|-] [--format F] [--stream S] [--reason R]`: the list in
/// bulk as CSV or JSON lines. An import exits 1 when a row was refused or the store failed.
int run_suppressions(const command_options& options);

/// `mailgate secret generate-key | encrypt | decrypt` (its own arguments).
int run_secret(int argc, char** argv);

} // namespace mailgate::core::cli
