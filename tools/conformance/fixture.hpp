#pragma once

// Fixtures: one JSON file per case, a request a provider would send and what the gateway must
// answer (status, events, unprocessed items). The format is documented in README.md here.

#include <boost/json/object.hpp>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace mailgate::conformance {

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

/// The set's options with `overrides` on top.
boost::json::object merged(const boost::json::object& base, const boost::json::object& overrides);

} // namespace mailgate::conformance
