#pragma once

/// Exceptions a driver throws inside its own code. The SDK's entry points catch them (and
/// everything else) and turn them into ABI status codes: no exception ever reaches the host.

#include <mailgate/sdk/abi.h>

#include <stdexcept>
#include <string>

namespace mailgate::sdk {

/// A failure with the status the host should see and a message for the response or log.
class error : public std::runtime_error {
public:
    error(mg_status status, const std::string& message)
        : std::runtime_error(message), status_(status)
    {
    }

    mg_status status() const noexcept { return status_; }

private:
    mg_status status_;
};

/// The callback body cannot be read or is not in the format: HTTP 400.
inline error bad_request(const std::string& message)
{
    return error(MG_BAD_REQUEST, message);
}

/// The callback's signature or token failed: HTTP 401.
inline error unauthorized(const std::string& message)
{
    return error(MG_UNAUTHORIZED, message);
}

/// An option value the driver cannot use; thrown from a driver's constructor. The host's error
/// names the provider and this option.
class config_error : public error {
public:
    config_error(std::string option, const std::string& message)
        : error(MG_INVALID_CONFIG, message), option_(std::move(option))
    {
    }

    const std::string& option() const noexcept { return option_; }

private:
    std::string option_;
};

} // namespace mailgate::sdk
