#pragma once

#include <filesystem>
#include <optional>

namespace mailgate::core::cli {

/// What every subcommand is told on the command line.
struct command_options {
    std::filesystem::path config_file;
    bool config_given = false; ///< --config or MAILGATE_CONFIG, rather than the default path
    std::optional<std::filesystem::path> plugins_directory; ///< --plugins overrides the file
};

/// `mailgate plugins`: each loaded driver's id, version, ABI, file, capabilities and options.
int run_plugins(const command_options& options);

/// `mailgate check-config`: loads the drivers and checks the file against them; exits
/// non-zero with every problem listed.
int run_check_config(const command_options& options);

} // namespace mailgate::core::cli
