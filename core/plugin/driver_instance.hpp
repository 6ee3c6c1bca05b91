#pragma once

// One configured provider's driver instance. Holds its library, so the code it runs stays
// mapped until the instance is gone (in-flight call -> instance -> library).

#include "core/plugin/driver_library.hpp"
#include "core/plugin/host_api.hpp"
#include "core/plugin/parsed_callback.hpp"

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

namespace mailgate::core::plugin {

/// create() failed; what() names the provider and, when the driver said, the option.
class create_error : public std::runtime_error {
public:
    /// `option`: the option the driver named as at fault; empty when it named none.
    create_error(const std::string& message, std::string option)
        : std::runtime_error(message), option_(std::move(option))
    {
    }
    const std::string& option() const noexcept { return option_; }

private:
    std::string option_;
};

struct decorate_result {
    mg_status status = MG_OK;
    header_list headers;
};

class driver_instance {
public:
    /// Calls the driver's create with validated option values. Throws create_error.
    driver_instance(std::shared_ptr<const driver_library> library, std::string provider,
                    const std::map<std::string, std::string>& values);
    ~driver_instance();

    driver_instance(const driver_instance&) = delete;
    driver_instance& operator=(const driver_instance&) = delete;

    /// Runs the driver on one request. A non-OK status comes with nothing emitted kept.
    /// THREAD: any; concurrent calls are allowed.
    parsed_callback parse_callback(const raw_callback& request) const;

    /// Asks the driver for its headers for one outbound message. THREAD: any.
    decorate_result decorate(const decorate_request& message) const;

    const driver_library& library() const noexcept { return *library_; }
    /// The validated option values it was created with (defaults applied, secrets resolved):
    /// the host reads the SMTP settings here, since it does the sending.
    const std::map<std::string, std::string>& options() const noexcept { return options_; }
    const std::string& provider() const noexcept { return context_->provider; }

private:
    std::shared_ptr<const driver_library> library_; // first member: released last
    std::unique_ptr<host_context> context_;
    std::map<std::string, std::string> options_;
    mg_instance* instance_ = nullptr;
};

} // namespace mailgate::core::plugin
