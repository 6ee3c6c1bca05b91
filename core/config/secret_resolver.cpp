#include "core/config/secret_resolver.hpp"

#include "core/config/config_error.hpp"

namespace mailgate::core::config {

secret_resolver::secret_resolver(const gateway_config& config) : base_(config.file.parent_path())
{
    if (config.secrets_key.text.empty()) {
        return;
    }
    const std::string text = resolve(config.secrets_key, "secrets.key");
    try {
        key_.emplace(secret_key::from_text(text));
    } catch (const std::runtime_error& e) {
        throw config_error({config.secrets_key.where + ": secrets.key: " + e.what()});
    }
}

// file: paths in the configuration are relative to the file, like every other path in it.
std::string secret_resolver::anchored(const std::string& value) const
{
    constexpr std::string_view prefix = "file:";
    if (value.rfind(prefix, 0) != 0) {
        return value;
    }
    std::filesystem::path path(value.substr(prefix.size()));
    return path.is_absolute() ? value : std::string(prefix) + (base_ / path).string();
}

std::string secret_resolver::resolve(const located_value& value, const std::string& field) const
{
    try {
        return resolve_secret(anchored(value.text), key_ ? &*key_ : nullptr);
    } catch (const std::runtime_error& e) {
        throw config_error({value.where + ": " + field + ": " + e.what()});
    }
}

} // namespace mailgate::core::config
