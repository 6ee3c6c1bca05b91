#include "core/service/gateway_handler.hpp"

#include "core/http/json_response.hpp"
#include "core/log/log.hpp"
#include "core/workers/run_blocking.hpp"

#include <mailgate/sdk/str.hpp>

#include <boost/json.hpp>
#include <boost/url/parse.hpp>

#include <vector>

namespace mailgate::core::service {
namespace {

namespace bh = boost::beast::http;

struct parsed_target {
    std::vector<std::string> segments;
    std::map<std::string, std::string> query;
};

std::optional<parsed_target> parse_target(std::string_view target)
{
    auto url = boost::urls::parse_origin_form(target);
    if (!url) {
        return std::nullopt;
    }
    parsed_target out;
    for (auto segment : url->segments()) {
        out.segments.push_back(segment);
    }
    for (auto param : url->params()) {
        out.query.emplace(param.key, param.value);
    }
    return out;
}

bool is(const std::vector<std::string>& s, std::initializer_list<std::string_view> prefix)
{
    return s.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), s.begin());
}

http::response text_response(std::string body, const char* type, const http::request& req)
{
    http::response res{bh::status::ok, req.version()};
    res.set(bh::field::content_type, type);
    res.keep_alive(req.keep_alive());
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

} // namespace

gateway_handler::gateway_handler(const callbacks::callback_endpoint& callbacks,
                                 const preferences::preference_center& preferences,
                                 const admin::admin_api& admin,
                                 const outbound::api::sending_api& sending,
                                 const storage::store& store, metrics::registry& metrics,
                                 std::vector<admin_token> admin_tokens,
                                 workers::blocking_pool& workers)
    : callbacks_(callbacks), preferences_(preferences), admin_(admin), sending_(sending),
      store_(store), metrics_(metrics),
      requests_(metrics, "mailgate_http_requests_total", "HTTP requests by route and status",
                {"route", "status"}),
      admin_tokens_(std::move(admin_tokens)), workers_(workers), logger_(log::get("http"))
{
}

boost::asio::awaitable<http::response> gateway_handler::operator()(http::request req,
                                                                   http::connection_info info) const
{
    const auto started = std::chrono::steady_clock::now();
    request_summary summary;
    http::response res = co_await dispatch(req, summary);
    requests_.with({summary.route, std::to_string(res.result_int())}).add();
    log_request(req, res, summary, info, std::chrono::steady_clock::now() - started);
    co_return res;
}

namespace {

// What the answer told the client, for the request's line: a callback's counts (what the ESP
// was told was stored, a duplicate, or not an event), and any answer's error. Read back from the
// body, which is small: counts and the unprocessed items. The error is cut short: it may quote
// what the client sent.
struct answer_fields {
    std::int64_t events = -1;
    std::int64_t duplicates = 0;
    std::int64_t unprocessed = 0;
    std::string error;
    std::string first_unprocessed;
};

answer_fields read_answer(const http::response& res, bool callback)
{
    answer_fields out;
    if (res.body().empty() || res.body().size() > 64 * 1024 ||
        (!callback && res.result_int() < 400)) {
        return out;
    }
    boost::system::error_code ec;
    const auto body = boost::json::parse(res.body(), ec);
    if (ec || !body.is_object()) {
        return out;
    }
    const auto& o = body.get_object();
    constexpr std::size_t longest = 200;
    if (const auto* e = o.if_contains("error"); e != nullptr && e->is_string()) {
        out.error = std::string(e->get_string().subview().substr(0, longest));
    }
    if (!callback || res.result_int() >= 300) {
        return out; // a refused callback's counts are all 0: its error says it
    }
    if (const auto* t = o.if_contains("TOTAL_EVENTS"); t != nullptr && t->is_int64()) {
        out.events = t->get_int64();
    }
    if (const auto* d = o.if_contains("DUPLICATE_EVENTS"); d != nullptr && d->is_int64()) {
        out.duplicates = d->get_int64();
    }
    if (const auto* u = o.if_contains("UNPROCESSED_EVENTS"); u != nullptr && u->is_array()) {
        const auto& items = u->get_array();
        out.unprocessed = static_cast<std::int64_t>(items.size());
        if (!items.empty() && items.front().is_object()) {
            if (const auto* why = items.front().get_object().if_contains("errorDescription");
                why != nullptr && why->is_string()) {
                out.first_unprocessed = std::string(why->get_string().subview().substr(0, longest));
            }
        }
    }
    return out;
}

} // namespace

void gateway_handler::log_request(const http::request& req, const http::response& res,
                                  const request_summary& summary, const http::connection_info& info,
                                  std::chrono::steady_clock::duration elapsed) const
{
    if (!logger_->should_log(spdlog::level::info)) {
        return; // the remote address would be formatted for nothing, on every request
    }
    const auto method = req.method_string();
    const std::string remote = info.remote.address().to_string();
    std::vector<log::field> fields{
        {"method", std::string_view(method.data(), method.size())},
        {"route", summary.route},
        {"provider", summary.provider},
        {"status", std::int64_t{res.result_int()}},
        {"duration_us",
         static_cast<std::int64_t>(
             std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count())},
        {"bytes_in", static_cast<std::int64_t>(req.body().size())},
        {"bytes_out", static_cast<std::int64_t>(res.body().size())},
        {"remote", remote}};
    const auto answer =
        read_answer(res, !summary.provider.empty() && summary.route == "/v1/callbacks/{nickname}");
    if (answer.events >= 0) {
        fields.push_back({"events", answer.events});
        fields.push_back({"stored", answer.events - answer.duplicates - answer.unprocessed});
        fields.push_back({"duplicates", answer.duplicates});
        fields.push_back({"unprocessed", answer.unprocessed});
    }
    if (!answer.first_unprocessed.empty()) {
        fields.push_back({"first_unprocessed", answer.first_unprocessed});
    }
    if (!answer.error.empty()) {
        fields.push_back({"error", answer.error});
    }
    log::write(*logger_, spdlog::level::info, "request", fields);
}

boost::asio::awaitable<http::response> gateway_handler::dispatch(const http::request& req,
                                                                 request_summary& summary) const
{
    auto target = parse_target(req.target());
    if (!target) {
        co_return http::error_response(bh::status::bad_request, "malformed request target", req);
    }
    const auto& s = target->segments;
    if (s.size() == 3 && is(s, {"v1", "callbacks"})) {
        summary.route = "/v1/callbacks/{nickname}";
        if (callbacks_.serves(s[2])) {
            summary.provider = s[2];
        }
        if (req.method() != bh::verb::post && req.method() != bh::verb::head) {
            auto res =
                http::error_response(bh::status::method_not_allowed, "method not allowed", req);
            res.set(bh::field::allow, "POST, HEAD");
            co_return res;
        }
        co_return co_await callbacks_.handle(req, s[2]);
    }
    // Recipients follow these links: the signed token is their only credential.
    if (s.size() == 2 && s[0] == "u") {
        summary.route = "/u/{token}";
        co_return co_await preferences_.handle(req, s[1]);
    }
    if (s.size() == 1 && s[0] == "healthz") {
        summary.route = "/healthz";
        co_return health(req);
    }
    const bool metrics = s.size() == 1 && s[0] == "metrics";
    const std::vector<std::string> v1(s.begin() + (s.empty() ? 0 : 1), s.end());
    const auto sending_route =
        is(s, {"v1"}) ? outbound::api::sending_api::route_of(v1) : std::nullopt;
    const auto admin_route =
        is(s, {"v1"}) && !sending_route ? admin::admin_api::route_of(v1) : std::nullopt;
    if (!metrics && !admin_route && !sending_route) {
        co_return http::error_response(bh::status::not_found, "no such route", req);
    }
    summary.route = metrics ? "/metrics" : sending_route ? *sending_route : *admin_route;
    const auto who = authorised(req);
    if (!who) {
        auto res = http::error_response(bh::status::unauthorized, "admin token required", req);
        res.set(bh::field::www_authenticate, "Bearer");
        co_return res;
    }
    if (metrics) {
        // The queue-depth gauge reads the store.
        auto render = workers::run_blocking(workers_, "route /metrics",
                                            [&registry = metrics_] { return registry.render(); });
        auto rendered = co_await std::move(render);
        if (rendered.index() != 0) {
            co_return workers::unavailable_response(req);
        }
        co_return text_response(std::move(std::get<0>(rendered)), "text/plain; version=0.0.4", req);
    }
    if (sending_route) {
        co_return co_await sending_.handle(req, v1);
    }
    // The routes read and write the store synchronously: on a worker, with a copy of the
    // request, since at the deadline this one is answered and destroyed first.
    auto run = workers::run_blocking(workers_, "route " + summary.route,
                                     [&admin = admin_, req, v1, query = std::move(target->query),
                                      who = *who] { return *admin.handle(req, v1, query, who); });
    auto done = co_await std::move(run);
    if (done.index() != 0) {
        co_return workers::unavailable_response(req);
    }
    co_return std::move(std::get<0>(done));
}

// A gateway whose every write fails answers every callback with a 500: it is not healthy.
http::response gateway_handler::health(const http::request& req) const
{
    if (auto failure = store_.write_failure()) {
        return http::json_response(
            bh::status::service_unavailable,
            boost::json::object{{"status", "failing"},
                                {"reason", "storage writes fail: " + *failure}},
            req);
    }
    return http::json_response(bh::status::ok, boost::json::object{{"status", "ok"}}, req);
}

std::optional<std::string> gateway_handler::authorised(const http::request& req) const
{
    constexpr std::string_view scheme = "Bearer ";
    auto it = req.find(bh::field::authorization);
    if (it == req.end()) {
        return std::nullopt;
    }
    std::string_view value(it->value().data(), it->value().size());
    if (value.size() <= scheme.size() || !sdk::iequals(value.substr(0, scheme.size()), scheme)) {
        return std::nullopt;
    }
    // Every token is compared, whichever matches: the time taken says nothing of which.
    std::optional<std::string> who;
    for (const auto& token : admin_tokens_) {
        if (sdk::constant_time_equals(value.substr(scheme.size()), token.secret) && !who) {
            who = token.name;
        }
    }
    return who;
}

} // namespace mailgate::core::service
