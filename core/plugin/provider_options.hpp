#pragma once

// Checks a provider's options from the file against its driver's option table.

#include "core/config/gateway_config.hpp"
#include "core/plugin/option_spec.hpp"

#include <map>
#include <string>
#include <vector>

namespace mailgate::core::plugin {

struct validated_options {
    /// Every option with a value: given (in canonical form) or defaulted.
    std::map<std::string, std::string> values;
    /// One line per unknown key, missing required key or value of the wrong type, naming the
    /// position, the provider and the key. Secret values are never quoted.
    std::vector<std::string> problems;
};

validated_options validate_options(const config::provider_config& provider,
                                   const std::vector<option_spec>& table);

} // namespace mailgate::core::plugin
