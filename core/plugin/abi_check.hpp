#pragma once

// The checks a descriptor must pass before the host calls anything else in the driver. The
// loader runs them all (abi_problem); the conformance kit runs each on its own, so a driver
// author sees every check's verdict, not only the first refusal.

#include <mailgate/sdk/abi.h>

#include <optional>
#include <string>

namespace mailgate::core::plugin {

/// Whether this host speaks the descriptor's ABI and the struct is big enough to be read as
/// ours. Reads only the frozen head (struct_size, abi_major, abi_minor) until the version says
/// the rest is laid out as ours. Every check below assumes this one passed.
std::optional<std::string> abi_version_problem(const mg_driver& driver);

/// The id is [a-z][a-z0-9_]{0,31}.
std::optional<std::string> id_problem(const mg_driver& driver);

/// A version and a description are given.
std::optional<std::string> metadata_problem(const mg_driver& driver);

/// create and destroy are set.
std::optional<std::string> lifecycle_problem(const mg_driver& driver);

/// Only known capability bits, each matching the function it names.
std::optional<std::string> capability_problem(const mg_driver& driver);

/// Why this host cannot use the descriptor (the first of the problems above), or nothing when
/// it can.
std::optional<std::string> abi_problem(const mg_driver& driver);

} // namespace mailgate::core::plugin
