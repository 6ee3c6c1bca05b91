#pragma once

// What the driver targets (fuzz_*_callback.cpp) share: the SDK's fake host with the driver's
// real .so loaded into it, a reader for requests spelled out in the input, and the checks every
// callback result must pass whatever the input.
//
// The driver is loaded in LLVMFuzzerInitialize, before fuzzing starts: libFuzzer counts the
// coverage of a module built with -fsanitize=fuzzer-no-link only when the module was loaded by
// then.
//
// The checks are what abi.h and docs/writing-a-driver.md promise of parse_callback, and no more:
// - the status is one a callback may get; never MG_INTERNAL_ERROR ("a failure of the driver
//   itself", a 500 the ESP would retry forever) for anything a caller sends;
// - a refused request emitted nothing ("check the batch shape and size before emitting
//   anything"; the fake host keeps what was emitted, the gateway would drop it);
// - an event has a kind of the model, no flag but MG_EVENT_FLAG_PERMANENT and that only on a
//   dropped or list-sync event, detail_json empty or a JSON object, and a meta only when
//   verify_meta accepted it for the event's email;
// - a rejected item's JSON is empty or JSON, and it says why.
// An event's email is not checked here: the host reads it into its canonical form and makes an
// address it refuses (an empty one too) a rejected item.

#include <mailgate/sdk/abi.h>
#include <mailgate/sdk/testing/fake_host.hpp>

#include <boost/json.hpp>

#include <algorithm>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

namespace mailgate::fuzz {

using sdk::testing::callback_result;
using sdk::testing::fake_host;

/// The host for the whole run; the driver libraries it opens stay loaded until exit.
inline fake_host& host()
{
    static fake_host* the_host = new fake_host();
    return *the_host;
}

/// The meta tokens the harness declared to the fake host, with the email each is for.
inline std::set<std::pair<std::string, std::string>>& accepted_metas()
{
    static std::set<std::pair<std::string, std::string>> metas;
    return metas;
}

/// Declares `meta` signed for `email` (the tokens of the seeds), so inputs reach the events
/// that carry a valid one.
inline void accept_meta(const std::string& meta, const std::string& email)
{
    host().accept_meta(meta, email);
    accepted_metas().emplace(meta, email);
}

/// Loads the driver .so at `path` and creates one instance with `options`; both live until the
/// process exits (the fuzzer never returns from its loop).
inline const fake_host::instance& create_instance(const char* path,
                                                  const fake_host::options_map& options)
{
    const mg_driver& driver = host().load_library(path);
    return *new fake_host::instance(host().create(driver, options));
}

inline std::string_view view(const std::uint8_t* data, std::size_t size)
{
    return {reinterpret_cast<const char*>(data), size};
}

/// A request spelled out as text, the way HTTP writes one:
///
///     METHOD TARGET\nName: value\n...\n\nBODY
///
/// The first line is the method and, after a space, the target (default: the fake host's);
/// each later line up to an empty one is a header, its name up to the first ':' and its value
/// after it without the blanks that start it; everything after the empty line is the body. A
/// header line without ':' is a header with an empty value. No "\n\n": no body.
inline sdk::testing::request read_request(std::string_view text)
{
    sdk::testing::request req;
    std::string_view head = text;
    if (std::size_t end = text.find("\n\n"); end != std::string_view::npos) {
        head = text.substr(0, end);
        req.body = std::string(text.substr(end + 2));
    }
    bool first = true;
    while (!head.empty() || first) {
        std::size_t eol = head.find('\n');
        std::string_view line = head.substr(0, eol);
        head = eol == std::string_view::npos ? std::string_view() : head.substr(eol + 1);
        if (first) {
            first = false;
            std::size_t space = line.find(' ');
            req.method = std::string(line.substr(0, space));
            if (space != std::string_view::npos) {
                req.target = std::string(line.substr(space + 1));
            }
            continue;
        }
        std::size_t colon = line.find(':');
        std::string_view name = line.substr(0, colon);
        std::string_view value =
            colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
        value.remove_prefix(std::min(value.find_first_not_of(" \t"), value.size()));
        req.headers.emplace_back(std::string(name), std::string(value));
    }
    return req;
}

[[noreturn]] inline void fail(const char* what, const std::string& detail)
{
    std::fprintf(stderr, "driver check failed: %s: %s\n", what, detail.c_str());
    std::abort();
}

inline bool is_json(std::string_view text, bool object_only)
{
    boost::json::parse_options options;
    options.max_depth = 256;
    boost::json::error_code ec;
    boost::json::value value = boost::json::parse(text, ec, {}, options);
    return !ec && (!object_only || value.is_object());
}

/// Every promise of parse_callback that holds whatever the request (see the top).
inline void check(const callback_result& result)
{
    switch (result.status) {
    case MG_OK:
    case MG_BAD_REQUEST:
    case MG_UNAUTHORIZED:
    case MG_TOO_MANY_EVENTS:
    case MG_UNSUPPORTED:
        break;
    case MG_INTERNAL_ERROR:
        fail("MG_INTERNAL_ERROR for a request", result.error);
    default:
        fail("a status parse_callback does not return", std::to_string(result.status));
    }
    if (result.status != MG_OK && (!result.events.empty() || !result.rejected.empty())) {
        fail("a refused request emitted items", std::to_string(result.events.size()) + " events, " +
                                                    std::to_string(result.rejected.size()) +
                                                    " rejected; status " +
                                                    std::to_string(result.status));
    }
    for (const auto& event : result.events) {
        if (event.kind < MG_EVENT_DELIVERED || event.kind > MG_EVENT_LIST_SYNC) {
            fail("an event kind out of the model", std::to_string(event.kind));
        }
        if ((event.flags & ~std::uint32_t{MG_EVENT_FLAG_PERMANENT}) != 0 ||
            ((event.flags & MG_EVENT_FLAG_PERMANENT) != 0 && event.kind != MG_EVENT_DROPPED &&
             event.kind != MG_EVENT_LIST_SYNC)) {
            fail("event flags",
                 std::to_string(event.flags) + " on kind " + std::to_string(event.kind));
        }
        if (!event.detail_json.empty() && !is_json(event.detail_json, true)) {
            fail("detail_json is not a JSON object", event.detail_json);
        }
        if (!event.meta.empty() && accepted_metas().count({event.meta, event.email}) == 0) {
            fail("an event with a meta verify_meta refused", event.meta + " for " + event.email);
        }
    }
    for (const auto& rejected : result.rejected) {
        if (!rejected.item_json.empty() && !is_json(rejected.item_json, false)) {
            fail("a rejected item's JSON is not JSON", rejected.item_json);
        }
        if (rejected.reason.empty()) {
            fail("a rejected item without a reason", rejected.item_json);
        }
    }
}

} // namespace mailgate::fuzz
