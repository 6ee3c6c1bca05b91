#pragma once

// Requests no provider sends on purpose: the driver must answer each with a status of its
// own (not a crash, an escaping exception, a hang, a leak, or a 500).

#include "core/plugin/driver_library.hpp"
#include "tools/conformance/check_report.hpp"
#include "tools/conformance/fixture.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace mailgate::conformance {

struct hostile_input {
    std::string name; ///< "empty", "truncated", "10mb", ...
    fixture_request request;
};

/// The inputs, built on `base` (a request the driver accepts, for its headers and body; or
/// empty) and, when `form_field` is set, with payloads sent as that form field.
std::vector<hostile_input> hostile_inputs(const fixture_request& base,
                                          const std::string& form_field);

/// Adds one "hostile:<name>" check per input, each in its own process bounded by `timeout`.
void check_hostile(const std::shared_ptr<const core::plugin::driver_library>& library,
                   const fixture_set& set, std::chrono::milliseconds timeout, check_report& report);

} // namespace mailgate::conformance
