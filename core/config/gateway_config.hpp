#pragma once

// The gateway's configuration file, read with yaml-cpp into plain structs. Driver options are
// kept as text with their position; they are checked against the driver's option table once
// the drivers are loaded (provider_options.hpp).

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace mailgate::core::config {

/// One value from the file, with where it stands ("file:line:column").
struct located_value {
    std::string text;
    bool scalar = true; ///< false for a map or a list
    std::string where;
};

struct provider_config {
    std::string nickname;
    std::string driver;
    std::string where; ///< the provider's entry
    /// Every key but nickname and driver: the driver's options.
    std::map<std::string, located_value> options;
};

struct gateway_config {
    std::filesystem::path file;
    std::filesystem::path plugins_directory;
    std::vector<provider_config> providers;
};

/// Where drivers are looked for when the file does not say.
std::filesystem::path default_plugins_directory();

/// Reads and checks the file's own structure. Relative paths in it are taken from the file's
/// folder. Throws config_error listing every problem.
gateway_config load_config(const std::filesystem::path& file);

} // namespace mailgate::core::config
