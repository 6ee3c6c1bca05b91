#pragma once

// Replaying a request: a fresh driver instance created as the gateway creates a provider's, the
// request through it, and the answer the gateway would give, compared with a fixture's.

#include "core/attribution/meta_token.hpp"
#include "core/plugin/driver_library.hpp"
#include "core/plugin/parsed_callback.hpp"
#include "tools/conformance/fixture.hpp"
#include "tools/conformance/isolated_call.hpp"

#include <boost/json/object.hpp>

#include <memory>
#include <string>

namespace mailgate::conformance {

/// The attribution key of every fixture's meta tokens (32 ASCII bytes, documented in
/// README.md), so a fixture can carry a token that verifies.
inline constexpr char test_attribution_key[] = "mailgate-conformance-test-key-v1";

/// A meta codec under test_attribution_key.
std::unique_ptr<core::attribution::meta_codec> test_meta_codec();

/// What one request through a fresh driver instance gave.
struct callback_run {
    std::string setup_error; ///< the options were refused or create() failed; nothing ran
    core::plugin::parsed_callback result;
};

/// Creates an instance with `options` (validated against the driver's table as the gateway
/// validates a provider's) and runs `request` through it, meta tokens checked with `codec`.
callback_run run_callback(const std::shared_ptr<const core::plugin::driver_library>& library,
                          const boost::json::object& options, const fixture_request& request,
                          const core::attribution::meta_codec& codec);

/// run_callback(), then the gateway's response logic (HTTP status, unprocessed items);
/// compares with `expect`. The detail of a failure lists every difference by path
/// (`events[1].kind: expected "hard_bounce", got "soft_bounce"`).
check_outcome replay(const std::shared_ptr<const core::plugin::driver_library>& library,
                     const boost::json::object& options, const fixture_request& request,
                     const boost::json::object& expect, const core::attribution::meta_codec& codec);

} // namespace mailgate::conformance
