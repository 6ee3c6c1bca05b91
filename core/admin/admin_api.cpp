#include "core/admin/admin_api.hpp"

#include "core/intake/report_json.hpp"

#include "core/addressing/address.hpp"
#include "core/admin/suppression_list_api.hpp"
#include "core/base/clock.hpp"
#include "core/config/suppression_config.hpp"
#include "core/events/event.hpp"
#include "core/http/json_response.hpp"
#include "core/intake/report_json.hpp"

#include <boost/algorithm/string/predicate.hpp>
#include <boost/json.hpp>

#include <charconv>
#include <cstdint>
#include <ctime>
#include <map>
#include <string>

namespace mailgate::core::admin {
namespace {

namespace bh = boost::beast::http;
namespace json = boost::json;

constexpr std::size_t max_page = 1000;

/// A malformed query parameter: answered 400 naming it.
struct bad_parameter {
    std::string message;
};

std::string iso_time(int64_t ms)
{
    std::time_t seconds = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
    char out[40];
    std::snprintf(out, sizeof out, "%s.%03dZ", text, static_cast<int>(ms % 1000));
    return out;
}

std::optional<int64_t> to_int(const std::string& text)
{
    int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

// `since`: Unix seconds, or an ISO 8601 UTC time (2026-11-23T05:00:00Z).
int64_t since_ms(const std::string& text)
{
    if (auto seconds = to_int(text)) {
        if (*seconds < 0 || *seconds > events::max_unix_seconds) {
            throw bad_parameter{"since must be between 0 and " +
                                std::to_string(events::max_unix_seconds) + " (Unix seconds)"};
        }
        return *seconds * 1000;
    }
    std::tm tm{};
    int consumed = 0;
    if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &tm.tm_year, &tm.tm_mon,
                    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) == 6 &&
        consumed == static_cast<int>(text.size())) {
        tm.tm_year -= 1900;
        tm.tm_mon -= 1;
        return static_cast<int64_t>(timegm(&tm)) * 1000;
    }
    throw bad_parameter{"since must be Unix seconds or YYYY-MM-DDTHH:MM:SSZ"};
}

std::size_t page_limit(const std::map<std::string, std::string>& query)
{
    auto it = query.find("limit");
    if (it == query.end()) {
        return 100;
    }
    auto n = to_int(it->second);
    if (!n || *n < 1 || *n > static_cast<int64_t>(max_page)) {
        throw bad_parameter{"limit must be between 1 and 1000"};
    }
    return static_cast<std::size_t>(*n);
}

std::optional<std::string> param(const std::map<std::string, std::string>& query,
                                 const std::string& name)
{
    auto it = query.find(name);
    return it == query.end() ? std::nullopt : std::optional<std::string>(it->second);
}

json::object to_json(const storage::suppression& s)
{
    return {{"email", s.email},
            {"reason", s.reason},
            {"provider", s.provider},
            {"created_at", iso_time(s.created_at)}};
}

json::value detail_of(const std::string& detail_json)
{
    json::error_code ec;
    json::value v = detail_json.empty() ? json::value() : json::parse(detail_json, ec);
    return ec ? json::value(detail_json) : v;
}

json::object to_json(const storage::stored_event& s)
{
    const events::gateway_event& e = s.ev;
    json::array system_events;
    for (const auto& se : s.system_events) {
        system_events.push_back(
            json::object{{"name", se.name}, {"property", se.property}, {"reason", se.reason}});
    }
    return {{"id", s.id},
            {"provider", e.provider},
            {"driver", e.driver},
            {"kind", events::to_string(e.kind)},
            {"permanent", e.permanent},
            {"email", e.email},
            {"occurred_at", iso_time(e.occurred_at_ms)},
            {"received_at", iso_time(e.received_at_ms)},
            {"message_id", e.attributed.message_id},
            {"campaign_id", e.attributed.campaign_id},
            {"profile", e.attributed.profile},
            {"description", e.description},
            {"reason", e.reason ? json::value(reasons::to_string(*e.reason)) : json::value()},
            {"smtp_code", e.smtp_code},
            {"status", e.status},
            {"remote_mta", e.remote_mta},
            {"provider_event_id", e.provider_event_id},
            {"detail", detail_of(e.detail_json)},
            {"system_events", std::move(system_events)}};
}

json::array capability_names(uint64_t caps)
{
    json::array out;
    if ((caps & MG_CAP_CALLBACKS) != 0) {
        out.push_back("callbacks");
    }
    if ((caps & MG_CAP_DECORATE) != 0) {
        out.push_back("decorate");
    }
    if ((caps & MG_CAP_SMTP) != 0) {
        out.push_back("smtp");
    }
    return out;
}

http::response method_not_allowed(const http::request& req, const char* allowed)
{
    auto res = http::error_response(bh::status::method_not_allowed, "method not allowed", req);
    res.set(bh::field::allow, allowed);
    return res;
}

std::string reason_from_body(const http::request& req)
{
    if (req.body().empty()) {
        return "manual";
    }
    json::error_code ec;
    json::value body = json::parse(req.body(), ec);
    const json::value* reason =
        (!ec && body.is_object()) ? body.get_object().if_contains("reason") : nullptr;
    if (ec || !body.is_object() || (reason != nullptr && !reason->is_string())) {
        throw bad_parameter{"the body must be a JSON object like {\"reason\": \"manual\"}"};
    }
    return reason != nullptr ? std::string(reason->get_string()) : "manual";
}

json::object counts_to_json(const std::map<std::string, int64_t>& counts)
{
    json::object out;
    for (const auto& [name, n] : counts) {
        out[name] = n;
    }
    return out;
}

} // namespace

admin_api::admin_api(const plugin::provider_set& providers, storage::store& store,
                     const callbacks::callback_endpoint& callbacks, intake::bounce_intake* bounces)
    : providers_(providers), store_(store), callbacks_(callbacks), bounces_(bounces)
{
}

std::optional<std::string> admin_api::route_of(const std::vector<std::string>& segments)
{
    if (segments.size() == 1 && (segments[0] == "providers" || segments[0] == "suppressions" ||
                                 segments[0] == "events" || segments[0] == "bounces")) {
        return "/v1/" + segments[0];
    }
    if (segments.size() == 2 && segments[0] == "suppressions" &&
        (segments[1] == "import" || segments[1] == "export")) {
        return "/v1/suppressions/" + segments[1];
    }
    if (segments.size() == 2 && segments[0] == "suppressions") {
        return "/v1/suppressions/{email}";
    }
    if (segments.size() == 3 && segments[0] == "reports" && segments[1] == "campaigns") {
        return "/v1/reports/campaigns/{id}";
    }
    return std::nullopt;
}

std::optional<http::response>
admin_api::handle(const http::request& req, const std::vector<std::string>& segments,
                  const std::map<std::string, std::string>& query) const
{
    const auto route = route_of(segments);
    if (!route) {
        return std::nullopt;
    }
    const bool get = req.method() == bh::verb::get || req.method() == bh::verb::head;
    try {
        if (*route == "/v1/suppressions/import") {
            // Until admin_api has them: the default streams, and the one admin token's name.
            const config::suppression_config defaults;
            return import_suppressions(req, query, store_,
                                       {defaults.streams.begin(), defaults.streams.end()}, "admin");
        }
        if (*route == "/v1/suppressions/export") {
            return export_suppressions(req, query, store_);
        }
        if (*route == "/v1/suppressions/{email}") {
            return suppression(req, segments[1]);
        }
        if (*route == "/v1/bounces") {
            return bounce(req);
        }
        if (!get) {
            return method_not_allowed(req, "GET, HEAD");
        }
        if (*route == "/v1/providers") {
            return providers(req);
        }
        if (*route == "/v1/suppressions") {
            return suppressions(req, query);
        }
        if (*route == "/v1/events") {
            return events(req, query);
        }
        return report(req, segments[2]);
    } catch (const bad_parameter& e) {
        return http::error_response(bh::status::bad_request, e.message, req);
    }
}

// One bounce mail as received, for operators who take bounces in their own pipes (a Postfix
// pipe transport, procmail, an S3 drop): answered once its events are durable. The message is
// not attributed by an envelope recipient (it has none here), only by what it carries.
http::response admin_api::bounce(const http::request& req) const
{
    if (bounces_ == nullptr) {
        return http::error_response(bh::status::not_found, "not found", req);
    }
    if (req.method() != bh::verb::post) {
        return method_not_allowed(req, "POST");
    }
    const auto type = req[bh::field::content_type];
    if (!boost::algorithm::istarts_with(type, "message/rfc822")) {
        return http::error_response(bh::status::unsupported_media_type,
                                    "the body must be one message, Content-Type: message/rfc822",
                                    req);
    }
    if (req.body().empty()) {
        return http::error_response(bh::status::bad_request, "the body is empty", req);
    }
    try {
        const auto report = bounces_->process(req.body(), "", "api");
        return http::json_response(bh::status::ok, intake::report_json(report, true), req);
    } catch (const std::system_error&) {
        return http::error_response(bh::status::service_unavailable,
                                    "the bounce could not be stored; send it again", req);
    }
}

http::response admin_api::providers(const http::request& req) const
{
    json::array items;
    for (const auto& p : providers_.providers()) {
        const mg_driver& d = p->library().descriptor();
        items.push_back(json::object{{"nickname", p->provider()},
                                     {"driver", p->library().id()},
                                     {"version", p->library().version()},
                                     {"callback_url", callbacks_.callback_url(p->provider())},
                                     {"capabilities", capability_names(d.capabilities)},
                                     {"max_callback_events", d.max_callback_events}});
    }
    return http::json_response(bh::status::ok, json::object{{"items", std::move(items)}}, req);
}

http::response admin_api::suppression(const http::request& req, const std::string& raw) const
{
    std::string email;
    try {
        email = addressing::canonical_email(addressing::parse_address(raw));
    } catch (const addressing::address_error& e) {
        return http::error_response(bh::status::bad_request,
                                    std::string("not an e-mail address: ") + e.what(), req);
    }
    switch (req.method()) {
    case bh::verb::get:
    case bh::verb::head:
        if (auto s = store_.find_suppression(email, "marketing", base::unix_ms_now())) {
            return http::json_response(bh::status::ok, to_json(*s), req);
        }
        return http::error_response(bh::status::not_found, "not suppressed", req);
    case bh::verb::put: {
        storage::suppression s;
        s.email = email;
        s.reason = reason_from_body(req);
        s.created_at = base::unix_ms_now();
        s.source = "admin";
        store_.put_suppression(s);
        return http::json_response(bh::status::ok, to_json(s), req);
    }
    case bh::verb::delete_:
        if (store_.remove_suppression(email, "", "admin", "") > 0) {
            http::response res{bh::status::no_content, req.version()};
            res.keep_alive(req.keep_alive());
            return res;
        }
        return http::error_response(bh::status::not_found, "not suppressed", req);
    default:
        return method_not_allowed(req, "GET, HEAD, PUT, DELETE");
    }
}

http::response admin_api::suppressions(const http::request& req,
                                       const std::map<std::string, std::string>& query) const
{
    storage::suppression_filter filter;
    filter.reason = param(query, "reason");
    filter.after_email = param(query, "after").value_or("");
    filter.limit = page_limit(query);
    json::array items;
    auto page = store_.list_suppressions(filter);
    for (const auto& s : page) {
        items.push_back(to_json(s));
    }
    json::value next = page.size() == filter.limit ? json::value(page.back().email) : nullptr;
    return http::json_response(bh::status::ok,
                               json::object{{"items", std::move(items)}, {"next", next}}, req);
}

http::response admin_api::events(const http::request& req,
                                 const std::map<std::string, std::string>& query) const
{
    storage::event_filter filter;
    if (auto email = param(query, "email")) {
        filter.email = addressing::canonical_email(*email);
        if (!filter.email) {
            throw bad_parameter{"email is not an e-mail address"};
        }
    }
    filter.campaign_id = param(query, "campaign");
    filter.provider = param(query, "provider");
    if (auto kind = param(query, "kind")) {
        filter.kind = events::parse_event_kind(*kind);
        if (!filter.kind) {
            throw bad_parameter{"unknown kind '" + *kind + "'"};
        }
    }
    if (auto reason = param(query, "reason")) {
        filter.reason = reasons::parse_reason(*reason);
        if (!filter.reason) {
            throw bad_parameter{"unknown reason '" + *reason + "'"};
        }
    }
    if (auto since = param(query, "since")) {
        filter.since = since_ms(*since);
    }
    if (auto after = param(query, "after")) {
        auto id = to_int(*after);
        if (!id || *id < 0) {
            throw bad_parameter{"after must be an event id"};
        }
        filter.after_id = *id;
    }
    filter.limit = page_limit(query);
    json::array items;
    auto page = store_.list_events(filter);
    for (const auto& e : page) {
        items.push_back(to_json(e));
    }
    json::value next = page.size() == filter.limit ? json::value(std::to_string(page.back().id))
                                                   : json::value(nullptr);
    return http::json_response(bh::status::ok,
                               json::object{{"items", std::move(items)}, {"next", next}}, req);
}

http::response admin_api::report(const http::request& req, const std::string& campaign) const
{
    auto r = store_.report(campaign);
    return http::json_response(bh::status::ok,
                               json::object{{"campaign_id", campaign},
                                            {"events", counts_to_json(r.by_kind)},
                                            {"reasons", counts_to_json(r.by_reason)},
                                            {"system_events", counts_to_json(r.by_system_event)}},
                               req);
}

} // namespace mailgate::core::admin
