#pragma once

// The checks a descriptor must pass before the host calls anything else in the driver.

#include <mailgate/sdk/abi.h>

#include <optional>
#include <string>

namespace mailgate::core::plugin {

/// Why this host cannot use the descriptor, or nothing when it can. Reads only the frozen head
/// (struct_size, abi_major, abi_minor) until the version says the rest is laid out as ours.
std::optional<std::string> abi_problem(const mg_driver& driver);

} // namespace mailgate::core::plugin
