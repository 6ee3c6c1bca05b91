#pragma once

// Resolves the secret values of one configuration file: env:NAME, file:PATH (relative to the
// file's folder) and enc:v1:... under the key given by the file's secrets.key. Errors name
// where the value stands, never the value.

#include "core/config/gateway_config.hpp"
#include "core/config/secret.hpp"

#include <optional>
#include <string>

namespace mailgate::core::config {

class secret_resolver {
public:
    /// Resolves secrets.key itself (env: or file:, or the base64 key written in place).
    /// Throws config_error.
    explicit secret_resolver(const gateway_config& config);

    /// The value behind `value`. Throws config_error "where: field: why".
    std::string resolve(const located_value& value, const std::string& field) const;

private:
    std::string anchored(const std::string& value) const;

    std::filesystem::path base_;
    std::optional<secret_key> key_;
};

} // namespace mailgate::core::config
