#pragma once

// The host's own copy of a driver's option table, read once at load time so nothing later
// walks the driver's static array again.

#include <mailgate/sdk/abi.h>

#include <optional>
#include <string>
#include <vector>

namespace mailgate::core::plugin {

struct option_spec {
    std::string name;
    int32_t type = MG_OPTION_STRING;
    bool required = false;
    bool secret = false;
    std::optional<std::string> default_value;
    std::string description;
};

/// "string", "int" or "bool".
const char* option_type_name(int32_t type) noexcept;

/// Reads the descriptor's table. Throws std::runtime_error naming the first entry that is not
/// sane: elements of unequal or too small struct_size, a missing or malformed name, a
/// duplicate, an unknown type or flag, a default that is not of the option's type, or a
/// required option with a default.
std::vector<option_spec> read_option_table(const mg_driver& driver);

/// Whether `text` is a value of `type`; for bools, the canonical "true"/"false".
std::optional<std::string> canonical_value(int32_t type, const std::string& text);

} // namespace mailgate::core::plugin
