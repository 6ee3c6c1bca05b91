#pragma once

// The descriptor and export checks: each of the host's load checks on its own, plus what the
// kit asks beyond them (a semver version, one-line descriptions).

#include "core/plugin/driver_library.hpp"
#include "tools/conformance/check_report.hpp"

#include <filesystem>

namespace mailgate::conformance {

/// Adds "symbols" for `file`.
void check_symbols(const std::filesystem::path& file, check_report& report);

/// Adds "abi", then (when the ABI is ours) "descriptor.id", "descriptor.metadata",
/// "descriptor.functions", "descriptor.capabilities" and "descriptor.options". True when all
/// passed, i.e. the gateway would accept the descriptor.
bool check_descriptor(const core::plugin::opened_driver& opened, check_report& report);

} // namespace mailgate::conformance
