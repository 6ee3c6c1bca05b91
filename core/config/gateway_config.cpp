#include "core/config/gateway_config.hpp"

#include "core/config/config_error.hpp"

#include <yaml-cpp/yaml.h>

#include <regex>
#include <set>

#ifndef MAILGATE_DEFAULT_PLUGIN_DIR
#define MAILGATE_DEFAULT_PLUGIN_DIR "/usr/local/lib/mailgate/plugins"
#endif

namespace mailgate::core::config {
namespace {

class reader {
public:
    explicit reader(std::filesystem::path file) : file_(std::move(file)) {}

    gateway_config read(const YAML::Node& root)
    {
        gateway_config config;
        config.file = file_;
        config.plugins_directory = default_plugins_directory();
        if (!root.IsMap()) {
            problem(root, "", "the file must be a map of sections (plugins, providers)");
            return config;
        }
        for (const auto& entry : root) {
            const std::string key = entry.first.as<std::string>();
            if (key == "plugins") {
                read_plugins(entry.second, config);
            } else if (key == "providers") {
                read_providers(entry.second, config);
            } else {
                problem(entry.first, key, "unknown section (known: plugins, providers)");
            }
        }
        return config;
    }

    std::string where(const YAML::Node& node) const
    {
        const YAML::Mark mark = node.Mark();
        return file_.string() + ":" + std::to_string(mark.line + 1) + ":" +
               std::to_string(mark.column + 1);
    }

    void problem(const YAML::Node& node, const std::string& field, const std::string& message)
    {
        problems_.push_back(where(node) + ": " + (field.empty() ? "" : field + ": ") + message);
    }

    const std::vector<std::string>& problems() const { return problems_; }

private:
    std::filesystem::path relative_to_file(const std::string& path) const
    {
        std::filesystem::path p(path);
        return p.is_absolute() ? p : (file_.parent_path() / p).lexically_normal();
    }

    bool scalar(const YAML::Node& node, const std::string& field)
    {
        if (!node.IsScalar()) {
            problem(node, field, "must be a single value");
            return false;
        }
        return true;
    }

    void read_plugins(const YAML::Node& node, gateway_config& config)
    {
        if (!node.IsMap()) {
            problem(node, "plugins", "must be a map");
            return;
        }
        for (const auto& entry : node) {
            const std::string key = entry.first.as<std::string>();
            if (key != "directory") {
                problem(entry.first, "plugins." + key, "unknown field (known: directory)");
            } else if (scalar(entry.second, "plugins.directory")) {
                config.plugins_directory = relative_to_file(entry.second.as<std::string>());
            }
        }
    }

    void read_providers(const YAML::Node& node, gateway_config& config)
    {
        if (!node.IsSequence()) {
            problem(node, "providers", "must be a list");
            return;
        }
        std::set<std::string> nicknames;
        for (std::size_t i = 0; i < node.size(); ++i) {
            const std::string field = "providers[" + std::to_string(i) + "]";
            provider_config provider = read_provider(node[i], field);
            if (!provider.nickname.empty() && !nicknames.insert(provider.nickname).second) {
                problem(node[i], field + ".nickname",
                        "'" + provider.nickname + "' is used by another provider");
            }
            config.providers.push_back(std::move(provider));
        }
    }

    provider_config read_provider(const YAML::Node& node, const std::string& field)
    {
        provider_config provider;
        provider.where = where(node);
        if (!node.IsMap()) {
            problem(node, field, "must be a map");
            return provider;
        }
        for (const auto& entry : node) {
            const std::string key = entry.first.as<std::string>();
            if (key == "nickname" && scalar(entry.second, field + ".nickname")) {
                provider.nickname = entry.second.as<std::string>();
            } else if (key == "driver" && scalar(entry.second, field + ".driver")) {
                provider.driver = entry.second.as<std::string>();
            } else if (key != "nickname" && key != "driver") {
                provider.options[key] = located_value{
                    entry.second.IsScalar() ? entry.second.as<std::string>() : std::string(),
                    entry.second.IsScalar(), where(entry.second)};
            }
        }
        check_names(node, field, provider);
        return provider;
    }

    void check_names(const YAML::Node& node, const std::string& field,
                     const provider_config& provider)
    {
        // Nicknames appear in callback URLs: keep them to URL-unreserved characters.
        static const std::regex nickname("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
        if (provider.nickname.empty()) {
            problem(node, field + ".nickname", "is required");
        } else if (!std::regex_match(provider.nickname, nickname)) {
            problem(node["nickname"], field + ".nickname",
                    "'" + provider.nickname +
                        "' is not URL-safe (letters, digits, '.', '_', '-'; at most 64)");
        }
        if (provider.driver.empty()) {
            problem(node, field + ".driver", "is required");
        }
    }

    std::filesystem::path file_;
    std::vector<std::string> problems_;
};

} // namespace

std::filesystem::path default_plugins_directory()
{
    return MAILGATE_DEFAULT_PLUGIN_DIR;
}

gateway_config load_config(const std::filesystem::path& file)
{
    YAML::Node root;
    try {
        root = YAML::LoadFile(file.string());
    } catch (const YAML::BadFile&) {
        throw config_error({file.string() + ": cannot read the file"});
    } catch (const YAML::ParserException& e) {
        throw config_error({file.string() + ":" + std::to_string(e.mark.line + 1) + ":" +
                            std::to_string(e.mark.column + 1) + ": " + e.msg});
    }
    reader r(file);
    gateway_config config = r.read(root);
    if (!r.problems().empty()) {
        throw config_error(r.problems());
    }
    return config;
}

} // namespace mailgate::core::config
