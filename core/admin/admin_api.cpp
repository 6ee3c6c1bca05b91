#include "core/admin/admin_api.hpp"

#include "core/intake/report_json.hpp"

#include "core/addressing/address.hpp"
#include "core/admin/suppression_list_api.hpp"
#include "core/base/clock.hpp"
#include "core/base/closest_word.hpp"
#include "core/base/iso_time.hpp"
#include "core/events/event.hpp"
#include "core/http/json_response.hpp"

#include <boost/algorithm/string/predicate.hpp>
#include <boost/json.hpp>

#include <algorithm>
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

// A parameter a route does not take is a mistake to say, not to ignore: a misspelt filter would
// otherwise widen the answer silently.
void refuse_unknown_parameters(const std::string& route,
                               const std::map<std::string, std::string>& query)
{
    static const std::map<std::string, std::vector<std::string>> known{
        {"/v1/providers", {}},
        {"/v1/queue", {}},
        {"/v1/suppressions", {"reason", "stream", "after", "after_stream", "limit"}},
        {"/v1/suppressions/{email}", {"stream", "note"}},
        {"/v1/suppressions/import", {"format", "from_line"}},
        {"/v1/suppressions/export",
         {"format", "stream", "reason", "after_email", "after_stream", "limit"}},
        {"/v1/addresses/{email}", {}},
        {"/v1/events",
         {"email", "campaign", "kind", "reason", "provider", "since", "after", "limit"}},
        {"/v1/reports/campaigns/{id}", {}},
        {"/v1/bounces", {}},
    };
    const auto names = known.find(route);
    if (names == known.end()) {
        return;
    }
    for (const auto& [key, value] : query) {
        if (std::find(names->second.begin(), names->second.end(), key) == names->second.end()) {
            std::string list;
            for (const auto& n : names->second) {
                list += (list.empty() ? "" : ", ") + n;
            }
            throw bad_parameter{"unknown query parameter '" + key + "'" +
                                base::did_you_mean(key, names->second) + " (" + route +
                                (list.empty() ? " takes none)" : " takes: " + list + ")")};
        }
    }
}

// `name=a,b,...`: each item parsed by `parse` (which gives nothing for an unknown one).
template <class Parse>
auto list_param(const std::map<std::string, std::string>& query, const std::string& name,
                Parse parse)
{
    std::vector<typename std::invoke_result_t<Parse, std::string_view>::value_type> out;
    const auto text = param(query, name);
    if (!text) {
        return out;
    }
    std::string_view rest = *text;
    while (true) {
        const auto comma = rest.find(',');
        const auto item = rest.substr(0, comma);
        const auto parsed = parse(item);
        if (!parsed) {
            throw bad_parameter{"unknown " + name + " '" + std::string(item) + "'"};
        }
        out.push_back(*parsed);
        if (comma == std::string_view::npos) {
            return out;
        }
        rest.remove_prefix(comma + 1);
    }
}

json::value time_or_null(int64_t ms)
{
    return ms == 0 ? json::value(nullptr) : json::value(base::format_iso_time(ms));
}

json::object to_json(const storage::suppression& s)
{
    return {{"email", s.email},
            {"stream", s.stream},
            {"reason", s.reason},
            {"provider", s.provider},
            {"created_at", base::format_iso_time(s.created_at)},
            {"expires_at", time_or_null(s.expires_at)},
            {"source", s.source},
            {"note", s.note}};
}

json::object to_json(const storage::suppression_record& r)
{
    return {{"stream", r.stream},
            {"action", r.action},
            {"reason", r.reason},
            {"source", r.source},
            {"note", r.note},
            {"at", base::format_iso_time(r.at)},
            {"expires_at", time_or_null(r.expires_at)}};
}

json::object to_json(const storage::rule_counter& c)
{
    json::array hits;
    for (const auto at : c.hits) {
        hits.push_back(json::value(base::format_iso_time(at)));
    }
    return {{"rule", c.rule}, {"count", c.hits.size()}, {"hits", std::move(hits)}};
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
            {"occurred_at", base::format_iso_time(e.occurred_at_ms)},
            {"received_at", base::format_iso_time(e.received_at_ms)},
            {"message_id", e.attributed.message_id},
            {"campaign_id", e.attributed.campaign_id},
            {"profile", e.attributed.profile},
            {"stream", e.attributed.stream},
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

std::string string_field(const json::object& body, const char* name, std::string fallback)
{
    const json::value* v = body.if_contains(name);
    if (v == nullptr) {
        return fallback;
    }
    if (!v->is_string()) {
        throw bad_parameter{std::string(name) + " must be a string"};
    }
    return std::string(v->get_string());
}

// {"reason": "manual", "stream": "*", "note": "...", "expires_at": "2027-01-01T00:00:00Z" or
// Unix seconds}, every field optional; the stream may come in the query instead.
storage::suppression suppression_from_body(const http::request& req, std::string email,
                                           const std::optional<std::string>& stream)
{
    storage::suppression s;
    s.email = std::move(email);
    s.reason = "manual";
    s.stream = stream.value_or(std::string(events::all_streams));
    s.created_at = base::unix_ms_now();
    if (req.body().empty()) {
        return s;
    }
    json::error_code ec;
    json::value body = json::parse(req.body(), ec);
    if (ec || !body.is_object()) {
        throw bad_parameter{"the body must be a JSON object like {\"reason\": \"manual\"}"};
    }
    const auto& o = body.get_object();
    s.reason = string_field(o, "reason", s.reason);
    s.stream = string_field(o, "stream", s.stream);
    s.note = string_field(o, "note", "");
    if (const auto* expires = o.if_contains("expires_at"); expires && !expires->is_null()) {
        s.expires_at = since_ms(expires->is_int64() ? std::to_string(expires->as_int64())
                                                    : string_field(o, "expires_at", ""));
    }
    if (s.reason.empty() || s.reason.size() > 64 || s.note.size() > 500) {
        throw bad_parameter{"reason must be 1 to 64 bytes, note at most 500"};
    }
    // They reach logs, CSV exports and terminals: no control characters, a line break aside.
    const auto control = [](std::string_view text, bool lines) {
        return std::any_of(text.begin(), text.end(), [lines](unsigned char c) {
            return (c < 0x20 && !(lines && (c == '\n' || c == '\t'))) || c == 0x7f;
        });
    };
    if (control(s.reason, false) || control(s.stream, false) || control(s.note, true)) {
        throw bad_parameter{"reason, stream and note must not hold control characters"};
    }
    return s;
}

// An address, or "*@domain" for every address of the domain.
std::string suppression_key(const std::string& raw)
{
    if (raw.starts_with("*@")) {
        const auto domain = addressing::canonical_email("x" + raw.substr(1));
        if (!domain) {
            throw bad_parameter{"not a domain: " + raw.substr(2)};
        }
        return "*" + domain->substr(1);
    }
    try {
        return addressing::canonical_email(addressing::parse_address(raw));
    } catch (const addressing::address_error& e) {
        throw bad_parameter{std::string("not an e-mail address: ") + e.what()};
    }
}

json::object counts_to_json(const std::map<std::string, int64_t>& counts)
{
    json::object out;
    for (const auto& [name, n] : counts) {
        out[name] = n;
    }
    return out;
}

// The provider's effective options, defaults included; a secret one only says whether it is set.
json::object settings_of(const plugin::driver_instance& p)
{
    json::object out;
    for (const auto& spec : p.library().options()) {
        const auto value = p.options().find(spec.name);
        if (value == p.options().end()) {
            continue;
        }
        if (!spec.secret) {
            out[spec.name] = value->second;
        } else {
            out[spec.name] = value->second.empty() ? json::value(nullptr) : "(secret, set)";
        }
    }
    return out;
}

} // namespace

admin_api::admin_api(const plugin::provider_set& providers, storage::store& store,
                     const callbacks::callback_endpoint& callbacks, intake::bounce_intake* bounces,
                     const events::suppression_policy& policy)
    : providers_(providers), store_(store), callbacks_(callbacks), bounces_(bounces),
      policy_(policy)
{
}

// Everything about one address: its newest events, its suppression history, the counters the
// count rules keep for it and the streams it is suppressed in now.
http::response admin_api::address(const http::request& req, const std::string& raw) const
{
    const auto email = addressing::canonical_email(raw);
    if (!email) {
        throw bad_parameter{"not an e-mail address: " + raw};
    }
    storage::event_filter filter;
    filter.email = email;
    filter.limit = max_page;
    json::array events;
    for (const auto& e : store_.list_events(filter)) {
        events.push_back(to_json(e));
    }
    const auto now = base::unix_ms_now();
    json::array suppressed;
    json::array entries;
    for (const auto& s : store_.address_suppressions(*email)) {
        if (s.expires_at == 0 || s.expires_at > now) {
            suppressed.push_back(json::value(s.stream));
        }
        entries.push_back(to_json(s));
    }
    json::array history;
    for (const auto& r : store_.suppression_history(*email, max_page)) {
        history.push_back(to_json(r));
    }
    json::array counters;
    for (const auto& c : store_.rule_counters(*email)) {
        counters.push_back(to_json(c));
    }
    return http::json_response(bh::status::ok,
                               json::object{{"email", *email},
                                            {"suppressed_in", std::move(suppressed)},
                                            {"suppressions", std::move(entries)},
                                            {"history", std::move(history)},
                                            {"counters", std::move(counters)},
                                            {"events", std::move(events)}},
                               req);
}

std::optional<std::string> admin_api::route_of(const std::vector<std::string>& segments)
{
    if (segments.size() == 1 &&
        (segments[0] == "providers" || segments[0] == "suppressions" || segments[0] == "events" ||
         segments[0] == "bounces" || segments[0] == "queue")) {
        return "/v1/" + segments[0];
    }
    if (segments.size() == 2 && segments[0] == "suppressions" &&
        (segments[1] == "import" || segments[1] == "export")) {
        return "/v1/suppressions/" + segments[1];
    }
    if (segments.size() == 2 && segments[0] == "suppressions") {
        return "/v1/suppressions/{email}";
    }
    if (segments.size() == 2 && segments[0] == "addresses") {
        return "/v1/addresses/{email}";
    }
    if (segments.size() == 3 && segments[0] == "reports" && segments[1] == "campaigns") {
        return "/v1/reports/campaigns/{id}";
    }
    return std::nullopt;
}

std::optional<http::response> admin_api::handle(const http::request& req,
                                                const std::vector<std::string>& segments,
                                                const std::map<std::string, std::string>& query,
                                                const std::string& who) const
{
    const auto route = route_of(segments);
    if (!route) {
        return std::nullopt;
    }
    const bool get = req.method() == bh::verb::get || req.method() == bh::verb::head;
    try {
        refuse_unknown_parameters(*route, query);
        if (*route == "/v1/suppressions/import") {
            const auto& streams = policy_.streams();
            return import_suppressions(req, query, store_, {streams.begin(), streams.end()}, who);
        }
        if (*route == "/v1/suppressions/export") {
            return export_suppressions(req, query, store_);
        }
        if (*route == "/v1/suppressions/{email}") {
            return suppression(req, segments[1], query, who);
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
        if (*route == "/v1/queue") {
            return queue(req);
        }
        if (*route == "/v1/suppressions") {
            return suppressions(req, query);
        }
        if (*route == "/v1/events") {
            return events(req, query);
        }
        if (*route == "/v1/addresses/{email}") {
            return address(req, segments[1]);
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

// The queue as an operator watches it: per provider and state, how many wait, since when, and
// when the next attempt comes.
http::response admin_api::queue(const http::request& req) const
{
    const auto now = base::unix_ms_now();
    json::array items;
    int64_t total = 0;
    for (const auto& r : store_.queue_summary()) {
        total += r.messages;
        items.push_back(
            json::object{{"provider", r.provider},
                         {"state", r.state},
                         {"messages", r.messages},
                         {"oldest_at", base::format_iso_time(r.oldest_created_at)},
                         {"oldest_age_seconds", (now - r.oldest_created_at) / 1000},
                         {"next_attempt_at", base::format_iso_time(r.next_attempt_at)}});
    }
    return http::json_response(bh::status::ok, json::object{{"messages", total}, {"items", items}},
                               req);
}

http::response admin_api::providers(const http::request& req) const
{
    json::array items;
    for (const auto& p : providers_.providers()) {
        const mg_driver& d = p->library().descriptor();
        const auto last = callbacks_.last_callback_ms(p->provider());
        items.push_back(json::object{{"nickname", p->provider()},
                                     {"driver", p->library().id()},
                                     {"version", p->library().version()},
                                     {"callback_url", callbacks_.callback_url(p->provider())},
                                     {"capabilities", capability_names(d.capabilities)},
                                     {"max_callback_events", d.max_callback_events},
                                     {"settings", settings_of(*p)},
                                     {"last_callback_at", time_or_null(last)}});
    }
    return http::json_response(bh::status::ok, json::object{{"items", std::move(items)}}, req);
}

http::response admin_api::suppression(const http::request& req, const std::string& raw,
                                      const std::map<std::string, std::string>& query,
                                      const std::string& who) const
{
    const std::string email = suppression_key(raw);
    const auto stream = param(query, "stream");
    if (stream && *stream != events::all_streams && !policy_.has_stream(*stream)) {
        throw bad_parameter{"stream '" + *stream + "' is not a configured stream"};
    }
    switch (req.method()) {
    case bh::verb::get:
    case bh::verb::head: {
        const auto now = base::unix_ms_now();
        json::array entries;
        for (const auto& s : store_.address_suppressions(email)) {
            if ((s.expires_at == 0 || s.expires_at > now) && (!stream || s.stream == *stream)) {
                entries.push_back(to_json(s));
            }
        }
        if (entries.empty()) {
            return http::error_response(bh::status::not_found, "not suppressed", req);
        }
        // The first entry's fields stay at the top, as before streams.
        json::object out = entries.front().as_object();
        out["entries"] = std::move(entries);
        return http::json_response(bh::status::ok, out, req);
    }
    case bh::verb::put: {
        auto s = suppression_from_body(req, email, stream);
        s.source = "admin:" + who;
        if (s.stream != events::all_streams && !policy_.has_stream(s.stream)) {
            throw bad_parameter{"stream '" + s.stream + "' is not a configured stream"};
        }
        store_.put_suppression(s);
        return http::json_response(bh::status::ok, to_json(s), req);
    }
    case bh::verb::delete_:
        if (store_.remove_suppression(email, stream.value_or(""), "admin:" + who,
                                      param(query, "note").value_or("")) > 0) {
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
    filter.stream = param(query, "stream");
    filter.after_email = param(query, "after").value_or("");
    filter.after_stream = param(query, "after_stream").value_or("");
    filter.limit = page_limit(query);
    json::array items;
    auto page = store_.list_suppressions(filter);
    for (const auto& s : page) {
        items.push_back(to_json(s));
    }
    const bool more = page.size() == filter.limit;
    json::value next = more ? json::value(page.back().email) : nullptr;
    json::value next_stream = more ? json::value(page.back().stream) : nullptr;
    return http::json_response(
        bh::status::ok,
        json::object{{"items", std::move(items)}, {"next", next}, {"next_stream", next_stream}},
        req);
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
    filter.kinds = list_param(query, "kind", events::parse_event_kind);
    filter.reasons = list_param(query, "reason", reasons::parse_reason);
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
