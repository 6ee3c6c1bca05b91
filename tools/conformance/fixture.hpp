#pragma once

// Fixtures: one JSON file per case, a request a provider would send and what the gateway must
// answer (status, events, unprocessed items). The format is documented in README.md here.

#include "core/attribution/meta_token.hpp"
#include "core/plugin/callback_result.hpp"
#include "core/plugin/driver_library.hpp"
#include "tools/conformance/isolated_call.hpp"

#include <boost/json/object.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace mailgate::conformance {

/// The attribution key of every fixture's meta tokens (32 ASCII bytes, documented in
/// README.md), so a fixture can carry a token that verifies.
inline constexpr char test_attribution_key[] = "mailgate-conformance-test-key-v1";

struct fixture_request {
    std::string method = "POST";
    std::string url; ///< the provider's public callback URL
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
};

struct fixture {
    std::string name; ///< the file's stem
    std::string description;
    boost::json::object provider; ///< option values, over the set's
    fixture_request request;
    boost::json::object expect;
    std::string error; ///< why the file cannot be used, or empty
};

/// A folder of fixtures and its optional `set.json` (provider options shared by every case,
/// the public URL, and what the hostile inputs use).
struct fixture_set {
    boost::json::object provider;
    std::string public_url = "https://mailgate.example/v1/callbacks/conformance";
    boost::json::object hostile_provider; ///< options for hostile inputs; default: provider
    std::string hostile_form_field;       ///< wrap hostile payloads in this form field
    std::vector<fixture> cases;           ///< every other *.json, by file name
};

/// Reads `directory`. Throws std::runtime_error for an unreadable set.json; a bad case file
/// becomes a fixture with `error` set (its check fails).
fixture_set load_fixture_set(const std::filesystem::path& directory);

/// A meta codec under test_attribution_key.
std::unique_ptr<core::attribution::meta_codec> test_meta_codec();

/// What one request through a fresh driver instance gave.
struct callback_run {
    std::string setup_error; ///< the options were refused or create() failed; nothing ran
    core::plugin::callback_result result;
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

/// The set's options with `overrides` on top.
boost::json::object merged(const boost::json::object& base, const boost::json::object& overrides);

} // namespace mailgate::conformance
