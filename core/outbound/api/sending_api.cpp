#include "core/outbound/api/sending_api.hpp"

#include "core/base/clock.hpp"
#include "core/base/iso_time.hpp"
#include "core/http/json_response.hpp"
#include "core/log/log.hpp"
#include "core/outbound/api/test_email.hpp"
#include "core/storage/async_apply.hpp"
#include "core/workers/run_blocking.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>

namespace mailgate::core::outbound::api {
namespace {

namespace asio = boost::asio;
namespace bh = boost::beast::http;
namespace json = boost::json;

http::response method_not_allowed(const http::request& req, const char* allow)
{
    auto res = http::error_response(bh::status::method_not_allowed, "method not allowed", req);
    res.set(bh::field::allow, allow);
    return res;
}

json::object message_json(const storage::queued_message& m)
{
    return json::object{{"id", m.id},
                        {"provider", m.provider},
                        {"campaign_id", m.campaign_id},
                        {"from", m.mail_from},
                        {"to", m.recipient},
                        {"state", to_string(m.state)},
                        {"attempts", m.attempts},
                        {"created_at", m.created_at},
                        {"updated_at", m.updated_at},
                        {"next_attempt_at", m.state == storage::delivery_state::deferred
                                                ? json::value(m.next_attempt_at)
                                                : nullptr},
                        {"last_reply", m.last_reply},
                        {"failure", m.failure},
                        {"provider_message_id", m.provider_message_id}};
}

/// A message and the events the ESP reported for it since (attributed to it by its token).
struct message_view {
    std::optional<storage::queued_message> message;
    std::vector<storage::stored_event> events;
};

// The recipient's events since the message was made, of this message only: found through the
// address index, not a scan of every event.
message_view view_of(storage::store& store, const std::string& id)
{
    message_view out{store.find_message(id), {}};
    const auto email = out.message ? addressing::canonical_email(out.message->recipient)
                                   : std::optional<std::string>();
    if (!email) {
        return out;
    }
    storage::event_filter filter;
    filter.email = *email;
    filter.since = out.message->created_at;
    filter.limit = 1000;
    for (auto& e : store.list_events(filter)) {
        if (e.ev.attributed.message_id == id) {
            out.events.push_back(std::move(e));
        }
    }
    return out;
}

json::object event_json(const storage::stored_event& e)
{
    return json::object{{"id", e.id},
                        {"kind", events::to_string(e.ev.kind)},
                        {"reason", e.ev.reason ? json::value(reasons::to_string(*e.ev.reason))
                                               : json::value(nullptr)},
                        {"occurred_at", base::format_iso_time(e.ev.occurred_at_ms)},
                        {"provider", e.ev.provider},
                        {"description", e.ev.description}};
}

// What an event says of the message's fate; null for opens, clicks and the like.
const char* outcome_of(events::event_kind kind)
{
    switch (kind) {
    case events::event_kind::delivered:
        return "delivered";
    case events::event_kind::deferred:
    case events::event_kind::soft_bounce:
        return "deferred";
    case events::event_kind::hard_bounce:
        return "bounced";
    case events::event_kind::dropped:
        return "dropped";
    case events::event_kind::spam:
        return "complained";
    default:
        return nullptr;
    }
}

/// A request's messages, composed for the recipients the suppression list lets through.
struct prepared_messages {
    json::array refused;
    std::vector<storage::queued_message> messages;
    int64_t now = 0;
};

json::object refusal_json(const addressing::address& to, const storage::suppression& s)
{
    return json::object{
        {"to", to.str()}, {"reason", s.reason}, {"stream", s.stream}, {"suppressed", s.email}};
}

/// The recipients the suppression list refuses in the request's stream, as {"to", "reason",
/// "stream", "suppressed" (the entry: the address or "*@domain")}; they leave `request`.
json::array take_suppressed(request::message_request& request, storage::store& store)
{
    json::array refused;
    const auto now = base::unix_ms_now();
    std::erase_if(request.to, [&](const request::recipient& r) {
        auto s =
            store.find_suppression(addressing::canonical_email(r.to.addr), request.stream, now);
        if (s) {
            refused.push_back(refusal_json(r.to.addr, *s));
        }
        return s.has_value();
    });
    return refused;
}

/// The request's stream, the default when it names none; request_error when the configuration
/// does not know it.
void settle_stream(request::message_request& request, const events::suppression_policy& policy)
{
    if (request.stream.empty()) {
        request.stream = policy.default_stream();
    } else if (!policy.has_stream(request.stream)) {
        std::string known;
        for (const auto& s : policy.streams()) {
            known += (known.empty() ? "" : ", ") + s;
        }
        throw request::request_error("stream: '" + request.stream +
                                     "' is not a configured stream (known: " + known + ")");
    }
}

struct test_body {
    request::recipient to;
    std::optional<mime::mailbox> from;
    bool allow_suppressed = false;
};

// Test-email bodies: {"to": address or {address, name}, "from": optional, "allow_suppressed":
// optional boolean}.
test_body parse_test_body(std::string_view text)
{
    boost::system::error_code ec;
    auto v = json::parse(text, ec);
    if (ec || !v.is_object() || !v.get_object().contains("to")) {
        throw request::request_error("to: is required (body: {\"to\": \"you@example.com\"})");
    }
    const auto& body = v.get_object();
    // Reuses the message parser's rules for addresses and names.
    json::object full{{"provider", "-"}, {"to", body.at("to")}, {"text", "-"}};
    if (const auto* from = body.if_contains("from")) {
        full["from"] = *from;
    }
    bool allow_suppressed = false;
    if (const auto* allow = body.if_contains("allow_suppressed")) {
        if (!allow->is_bool()) {
            throw request::request_error("allow_suppressed: must be true or false");
        }
        allow_suppressed = allow->as_bool();
    }
    auto probe = request::parse_message_request(json::serialize(full));
    return {probe.to.front(), probe.from, allow_suppressed};
}

std::optional<http::response> refuse_suppressed(const test_body& body, storage::store& store,
                                                const std::string& stream, const http::request& req)
{
    const auto& to = body.to.to.addr;
    if (body.allow_suppressed) {
        return std::nullopt;
    }
    auto s = store.find_suppression(addressing::canonical_email(to), stream, base::unix_ms_now());
    if (!s) {
        return std::nullopt;
    }
    return http::json_response(
        bh::status::unprocessable_entity,
        json::object{
            {"error", suppressed_refusal(to, *s) + " (\"allow_suppressed\": true sends anyway)"},
            {"refused", json::array{refusal_json(to, *s)}}},
        req);
}

} // namespace

sending_api::sending_api(std::vector<delivery::sending_provider> providers,
                         const message_composer& composer, storage::store& store,
                         metrics::registry& metrics, delivery::delivery_service& delivery,
                         workers::blocking_pool& workers)
    : providers_(std::move(providers)), composer_(composer), store_(store), metrics_(metrics),
      delivery_(delivery), workers_(workers)
{
}

std::optional<std::string> sending_api::route_of(const std::vector<std::string>& segments)
{
    if (segments.size() == 1 && segments[0] == "messages") {
        return "/v1/messages";
    }
    if (segments.size() == 2 && segments[0] == "messages") {
        return "/v1/messages/{id}";
    }
    if (segments.size() == 3 && segments[0] == "providers" && segments[2] == "test") {
        return "/v1/providers/{nickname}/test";
    }
    return std::nullopt;
}

asio::awaitable<http::response> sending_api::handle(const http::request& req,
                                                    const std::vector<std::string>& segments) const
{
    const bool post = req.method() == bh::verb::post;
    if (segments.size() == 2 && segments[0] == "messages") {
        if (req.method() != bh::verb::get && req.method() != bh::verb::head) {
            co_return method_not_allowed(req, "GET, HEAD");
        }
        co_return co_await status(req, segments[1]);
    }
    if (!post) {
        co_return method_not_allowed(req, "POST");
    }
    try {
        if (segments.size() == 1) {
            co_return co_await accept(req);
        }
        co_return co_await test(req, segments[1]);
    } catch (const request::request_error& e) {
        co_return http::error_response(bh::status::bad_request, e.what(), req);
    } catch (const std::runtime_error& e) {
        // A driver that cannot decorate is the configuration's fault, not the caller's: say
        // which provider, so the operator can fix it.
        log::get("outbound")->error("{}", e.what());
        co_return http::error_response(bh::status::internal_server_error, e.what(), req);
    }
}

asio::awaitable<http::response> sending_api::accept(const http::request& req) const
{
    auto request = request::parse_message_request(req.body());
    settle_stream(request, delivery_.suppression());
    const auto* provider = find(request.provider);
    if (provider == nullptr) {
        throw request::request_error("provider: no provider named '" + request.provider +
                                     "' sends mail here");
    }
    // The suppression reads and the driver's decorate block: on a worker, the request its own.
    auto prepare = workers::run_blocking(
        workers_, "route /v1/messages (provider '" + provider->instance->provider() + "')",
        [&store = store_, &composer = composer_, provider, request = std::move(request)]() mutable {
            prepared_messages out{take_suppressed(request, store), {}, base::unix_ms_now()};
            if (!request.to.empty()) {
                out.messages = composer.compose(request, *provider, out.now);
            }
            return out;
        });
    auto prepared = co_await std::move(prepare);
    if (prepared.index() != 0) {
        co_return workers::unavailable_response(req);
    }
    auto& [refused, messages, now] = std::get<0>(prepared);
    if (!refused.empty()) {
        // Those suppressed while queued are failures of class "suppressed" instead.
        metrics_
            .get_counter("mailgate_outbound_refused_suppressed_total",
                         "Recipients the sending API refused as suppressed",
                         {{"provider", provider->instance->provider()}})
            .add(refused.size());
    }
    if (messages.empty()) {
        co_return http::json_response(
            bh::status::unprocessable_entity,
            json::object{{"error", "every recipient is suppressed"}, {"refused", refused}}, req);
    }
    // Those the delivery workers have room for skip the queue's claim: stored leased to this
    // node, they are handed over in memory after the commit.
    const auto leased = delivery_.lease(messages, now);
    std::vector<storage::queued_message> handed(messages.begin(),
                                                messages.begin() + static_cast<long>(leased));
    json::array accepted;
    for (const auto& m : messages) {
        accepted.push_back(
            json::object{{"id", m.id}, {"to", m.recipient}, {"state", to_string(m.state)}});
    }
    const auto count = messages.size();
    auto [error] = co_await storage::async_from_callback<std::error_code>(
        [&](storage::done_handler done) { store_.enqueue(std::move(messages), std::move(done)); },
        asio::as_tuple(asio::use_awaitable));
    if (error) {
        delivery_.give_back(leased);
        log::get("outbound")->error("queueing {} messages failed: {}", count, error.message());
        co_return http::error_response(bh::status::internal_server_error,
                                       "the messages could not be queued", req);
    }
    metrics_
        .get_counter("mailgate_outbound_queued_total", "Messages accepted into the queue",
                     {{"provider", provider->instance->provider()}})
        .add(count);
    delivery_.hand_over(std::move(handed));
    if (leased < count) {
        delivery_.wake();
    }
    co_return http::json_response(bh::status::accepted,
                                  json::object{{"messages", accepted}, {"refused", refused}}, req);
}

asio::awaitable<http::response> sending_api::status(const http::request& req,
                                                    const std::string& id) const
{
    auto lookup = workers::run_blocking(workers_, "route /v1/messages/{id}",
                                        [&store = store_, id] { return view_of(store, id); });
    auto found = co_await std::move(lookup);
    if (found.index() != 0) {
        co_return workers::unavailable_response(req);
    }
    const auto& view = std::get<0>(found);
    if (!view.message) {
        co_return http::error_response(bh::status::not_found, "no message with that id", req);
    }
    auto body = message_json(*view.message);
    json::array events;
    const char* outcome = nullptr;
    for (const auto& e : view.events) {
        events.push_back(event_json(e));
        if (const char* o = outcome_of(e.ev.kind)) {
            outcome = o; // oldest first: the last one stands
        }
    }
    body["outcome"] = outcome == nullptr ? json::value(nullptr) : json::value(outcome);
    body["events"] = std::move(events);
    co_return http::json_response(bh::status::ok, body, req);
}

asio::awaitable<http::response> sending_api::test(const http::request& req,
                                                  const std::string& nickname) const
{
    const auto* provider = find(nickname);
    if (provider == nullptr) {
        co_return http::error_response(bh::status::not_found,
                                       "no provider named '" + nickname + "' sends mail here", req);
    }
    if (auto refusal = refuse_suppressed(parse_test_body(req.body()), store_,
                                         delivery_.suppression().default_stream(), req)) {
        co_return std::move(*refusal);
    }
    const test_email_result result = co_await test_with_body(*provider, req.body());
    co_return http::json_response(bh::status::ok, to_json(result), req);
}

const delivery::sending_provider* sending_api::find(const std::string& nickname) const
{
    auto it = std::find_if(
        providers_.begin(), providers_.end(),
        [&](const delivery::sending_provider& p) { return p.instance->provider() == nickname; });
    return it == providers_.end() ? nullptr : &*it;
}

asio::awaitable<test_email_result>
sending_api::test_with_body(const delivery::sending_provider& provider,
                            const std::string& body) const
{
    auto parsed = parse_test_body(body);
    co_return co_await send_test_email(provider, composer_, parsed.to, parsed.from);
}

} // namespace mailgate::core::outbound::api
