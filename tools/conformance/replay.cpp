#include "tools/conformance/replay.hpp"

#include "core/callbacks/callback_response.hpp"
#include "core/events/event.hpp"
#include "core/plugin/driver_instance.hpp"
#include "core/plugin/provider_options.hpp"

#include <boost/json.hpp>

#include <algorithm>

namespace mailgate::conformance {
namespace {

namespace json = boost::json;

std::string option_text(const json::value& v)
{
    if (v.is_string()) {
        return std::string(v.get_string());
    }
    if (v.is_bool()) {
        return v.get_bool() ? "true" : "false";
    }
    return json::serialize(v);
}

std::string target_of(const std::string& url)
{
    const auto scheme = url.find("://");
    const auto path = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
    return path == std::string::npos ? "/" : url.substr(path);
}

json::value event_json(const core::plugin::driver_event& e,
                       const core::attribution::meta_codec& codec)
{
    const auto kind = core::events::from_abi(e.kind);
    json::error_code ec;
    json::value detail = e.detail_json.empty() ? json::object() : json::parse(e.detail_json, ec);
    return json::object{
        {"kind", kind ? std::string(core::events::to_string(*kind))
                      : "unknown(" + std::to_string(e.kind) + ")"},
        {"email", e.email},
        {"meta", e.meta},
        {"meta_valid", !e.meta.empty() && codec.decode(e.meta, e.email).has_value()},
        {"description", e.description},
        {"provider_event_id", e.provider_event_id},
        {"occurred_at", e.occurred_at_s},
        {"permanent", (e.flags & MG_EVENT_FLAG_PERMANENT) != 0},
        {"reason", e.reason},
        {"smtp_code", e.smtp_code},
        {"status", e.status},
        {"remote_mta", e.remote_mta},
        {"detail", ec ? json::value(e.detail_json) : std::move(detail)},
    };
}

// What the ESP would see, plus the events the gateway would store.
json::object observed(const core::plugin::parsed_callback& result,
                      const core::attribution::meta_codec& codec)
{
    if (result.status != MG_OK) {
        json::object body = core::callbacks::refused_body(result.error);
        body["status"] = static_cast<int>(core::callbacks::refusal_status(result.status));
        body["events"] = json::array();
        body["unprocessed"] = json::array();
        return body;
    }
    json::object body = core::callbacks::processed_body(result.events.size(), 0, result.rejected);
    body["status"] = 200;
    json::array events;
    for (const auto& e : result.events) {
        events.push_back(event_json(e, codec));
    }
    body["events"] = std::move(events);
    body["unprocessed"] = body["UNPROCESSED_EVENTS"];
    return body;
}

std::string shown(const json::value& v)
{
    std::string text = json::serialize(v);
    return text.size() > 200 ? text.substr(0, 200) + "..." : text;
}

// Expected objects are subsets (a field not given is not compared); arrays must match in
// length and element by element; numbers compare by value.
void compare(const json::value& want, const json::value* got, const std::string& path,
             std::vector<std::string>& diffs)
{
    if (got == nullptr) {
        diffs.push_back(path + ": expected " + shown(want) + ", got nothing");
        return;
    }
    if (want.is_object() && got->is_object()) {
        for (const auto& [key, value] : want.get_object()) {
            compare(value, got->get_object().if_contains(key), path + "." + std::string(key),
                    diffs);
        }
        return;
    }
    // A count stands for a list too long to spell out (a limit test's 1000 items).
    if (want.is_number() && got->is_array()) {
        if (want.to_number<double>() != static_cast<double>(got->get_array().size())) {
            diffs.push_back(path + ": expected " + shown(want) + " item(s), got " +
                            std::to_string(got->get_array().size()));
        }
        return;
    }
    if (want.is_array() && got->is_array()) {
        const auto& w = want.get_array();
        const auto& g = got->get_array();
        if (w.size() != g.size()) {
            diffs.push_back(path + ": expected " + std::to_string(w.size()) + " item(s), got " +
                            std::to_string(g.size()));
        }
        for (std::size_t i = 0; i < std::max(w.size(), g.size()); ++i) {
            const std::string at = path + "[" + std::to_string(i) + "]";
            if (i >= w.size()) {
                diffs.push_back(at + ": unexpected " + shown(g[i]));
            } else {
                compare(w[i], i < g.size() ? &g[i] : nullptr, at, diffs);
            }
        }
        return;
    }
    const bool same = want.is_number() && got->is_number()
                          ? want.to_number<double>() == got->to_number<double>()
                          : want == *got;
    if (!same) {
        diffs.push_back(path + ": expected " + shown(want) + ", got " + shown(*got));
    }
}

} // namespace

std::unique_ptr<core::attribution::meta_codec> test_meta_codec()
{
    std::array<unsigned char, 32> key{};
    std::copy_n(test_attribution_key, key.size(), key.begin());
    return std::make_unique<core::attribution::meta_codec>(key);
}
callback_run run_callback(const std::shared_ptr<const core::plugin::driver_library>& library,
                          const boost::json::object& options, const fixture_request& request,
                          const core::attribution::meta_codec& codec)
{
    core::config::provider_config provider{"conformance", library->id(), "fixture", {}};
    for (const auto& [key, value] : options) {
        provider.options[key] = core::config::located_value{option_text(value), true, "fixture"};
    }
    auto validated = core::plugin::validate_options(provider, library->options());
    callback_run run;
    if (!validated.problems.empty()) {
        run.setup_error = "provider options refused: " + validated.problems.front();
        return run;
    }
    try {
        const core::plugin::driver_instance instance(library, "conformance", validated.values);
        core::plugin::raw_callback req;
        req.meta_codec = &codec;
        req.method = request.method;
        req.public_url = request.url;
        const std::string target = target_of(request.url);
        req.target = target;
        for (const auto& [name, value] : request.headers) {
            req.headers.emplace_back(name, value);
        }
        req.body = request.body;
        run.result = instance.parse_callback(req);
    } catch (const core::plugin::create_error& e) {
        run.setup_error = e.what();
    }
    return run;
}

check_outcome replay(const std::shared_ptr<const core::plugin::driver_library>& library,
                     const boost::json::object& options, const fixture_request& request,
                     const boost::json::object& expect, const core::attribution::meta_codec& codec)
{
    const callback_run run = run_callback(library, options, request, codec);
    if (!run.setup_error.empty()) {
        return {false, run.setup_error};
    }
    json::object want = expect;
    for (const char* list : {"events", "unprocessed"}) {
        if (!want.contains(list)) {
            want[list] = json::array();
        }
    }
    const json::value got = observed(run.result, codec);
    std::vector<std::string> diffs;
    compare(want, &got, "", diffs);
    if (diffs.empty()) {
        return {true, "status " + json::serialize(got.at("status")) + ", " +
                          std::to_string(run.result.events.size()) + " event(s), " +
                          std::to_string(run.result.rejected.size()) + " unprocessed"};
    }
    constexpr std::size_t shown_diffs = 10;
    std::string detail;
    for (std::size_t i = 0; i < std::min(diffs.size(), shown_diffs); ++i) {
        detail += (detail.empty() ? "" : "; ") + diffs[i].substr(1); // the root's leading '.'
    }
    if (diffs.size() > shown_diffs) {
        detail += "; and " + std::to_string(diffs.size() - shown_diffs) + " more difference(s)";
    }
    return {false, detail};
}

} // namespace mailgate::conformance
