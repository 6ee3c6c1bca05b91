#pragma once

/// A driver's read-only view of its provider's validated options, valid inside the driver's
/// constructor only (it wraps the `mg_config` handle of one create() call). Values are copied
/// out, so the driver keeps nothing that points into the host.

#include <mailgate/sdk/abi.h>
#include <mailgate/sdk/error.hpp>
#include <mailgate/sdk/str.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace mailgate::sdk {

class config_view {
public:
    /// BORROWS both pointers for the create() call.
    config_view(const mg_host_api* host, const mg_config* config) noexcept
        : host_(host), config_(config)
    {
    }

    /// The option's text, or nothing when it has no value.
    std::optional<std::string> optional_string(const char* name) const
    {
        mg_str out{};
        if (host_->config_string(config_, name, &out) != MG_OK) {
            return std::nullopt;
        }
        return std::string(to_view(out));
    }

    /// The option's text; throws config_error when it has no value.
    std::string string(const char* name) const
    {
        auto value = optional_string(name);
        if (!value) {
            throw config_error(name, "is required");
        }
        return *value;
    }

    std::int64_t integer(const char* name) const
    {
        std::int64_t out = 0;
        if (host_->config_int(config_, name, &out) != MG_OK) {
            throw config_error(name, "has no integer value");
        }
        return out;
    }

    bool boolean(const char* name) const
    {
        int32_t out = 0;
        if (host_->config_bool(config_, name, &out) != MG_OK) {
            throw config_error(name, "has no true/false value");
        }
        return out != 0;
    }

private:
    const mg_host_api* host_;
    const mg_config* config_;
};

} // namespace mailgate::sdk
