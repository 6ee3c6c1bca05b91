#include "core/preferences/preference_center.hpp"

#include "core/base/clock.hpp"
#include "core/encoding/base64.hpp"
#include "core/encoding/sha256.hpp"
#include "core/events/router.hpp"
#include "core/log/log.hpp"
#include "core/preferences/form_fields.hpp"
#include "core/preferences/preference_page.hpp"
#include "core/storage/async_apply.hpp"
#include "core/workers/run_blocking.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace mailgate::core::preferences {
namespace {

namespace bh = boost::beast::http;

// What events from this page name as their driver: the gateway itself, not a provider's driver.
constexpr const char* driver_name = "preference-center";

enum class action { none, one_click, unsubscribe, resubscribe };

action action_of(const form_fields& fields)
{
    if (fields.size() != 1) {
        return action::none;
    }
    const auto& [name, value] = fields.front();
    if (name == "List-Unsubscribe" && value == "One-Click") {
        return action::one_click;
    }
    if (name == "action" && value == "unsubscribe") {
        return action::unsubscribe;
    }
    if (name == "action" && value == "resubscribe") {
        return action::resubscribe;
    }
    return action::none;
}

http::response page(bh::status status, page_state state, std::string_view email,
                    const http::request& req)
{
    http::response res{status, req.version()};
    res.set(bh::field::content_type, "text/html; charset=utf-8");
    // The page names an address: no proxy or browser cache keeps it, no referrer carries the
    // token anywhere, and nothing may frame it or load into it.
    res.set(bh::field::cache_control, "no-store");
    res.set("Content-Security-Policy", page_security_policy());
    res.set("X-Content-Type-Options", "nosniff");
    res.set("Referrer-Policy", "no-referrer");
    res.keep_alive(req.keep_alive());
    res.body() = render_page(state, email);
    res.prepare_payload();
    if (req.method() == bh::verb::head) {
        res.body().clear();
    }
    return res;
}

http::response plain(bh::status status, std::string_view text, const http::request& req)
{
    http::response res{status, req.version()};
    res.set(bh::field::content_type, "text/plain; charset=utf-8");
    res.set(bh::field::cache_control, "no-store");
    res.keep_alive(req.keep_alive());
    res.body() = std::string(text) + "\n";
    res.prepare_payload();
    return res;
}

// The id of the newest stored event of `kind` for `email`, or 0.
int64_t newest_event_id(storage::store& store, const std::string& email, events::event_kind kind)
{
    storage::event_filter filter;
    filter.email = email;
    filter.kinds = {kind};
    filter.limit = storage::max_page_size;
    int64_t newest = 0;
    for (;;) {
        const auto page = store.list_events(filter);
        if (page.empty()) {
            return newest;
        }
        newest = page.back().id;
        if (page.size() < filter.limit) {
            return newest;
        }
        filter.after_id = newest;
    }
}

// Repeating a change is one event: the key names the target, the change, and the newest
// opposite change it follows. Two clicks on "unsubscribe" follow the same resubscribe (or
// none) and share a key; an unsubscribe after a resubscribe follows a newer one and is new.
std::string event_key(const attribution::unsubscribe_target& target, events::event_kind kind,
                      int64_t follows)
{
    std::string input = target.email;
    for (const std::string& part : {target.campaign_id, target.provider,
                                    std::string(to_string(kind)), std::to_string(follows)}) {
        input += '\0';
        input += part;
    }
    const auto digest = encoding::sha256(input);
    return "preference-center:" +
           encoding::base64url_encode({reinterpret_cast<const char*>(digest.data()), 16});
}

} // namespace

preference_center::preference_center(const attribution::unsubscribe_codec* codec,
                                     storage::store& store,
                                     const events::suppression_policy& policy,
                                     workers::blocking_pool& workers)
    : codec_(codec), store_(store), policy_(policy), workers_(workers)
{
}

boost::asio::awaitable<http::response> preference_center::handle(const http::request& req,
                                                                 std::string_view token) const
{
    const bool post = req.method() == bh::verb::post;
    if (!post && req.method() != bh::verb::get && req.method() != bh::verb::head) {
        auto res = plain(bh::status::method_not_allowed, "method not allowed", req);
        res.set(bh::field::allow, "GET, HEAD, POST");
        co_return res;
    }
    const auto target = codec_ == nullptr ? std::nullopt : codec_->decode(token);
    if (!target) {
        co_return page(bh::status::bad_request, page_state::invalid, "", req);
    }
    if (!post) {
        auto lookup = workers::run_blocking(
            workers_, "route /u/{token}: suppression lookup",
            [&store = store_, email = target->email, &stream = policy_.default_stream()] {
                return store.find_suppression(email, stream, base::unix_ms_now());
            });
        const auto suppressed = co_await std::move(lookup);
        if (suppressed.index() != 0) {
            co_return workers::unavailable_response(req);
        }
        const auto& found = std::get<0>(suppressed);
        const bool unsubscribed = found && found->reason == "unsubscribed";
        co_return page(bh::status::ok,
                       unsubscribed ? page_state::unsubscribed : page_state::confirm, target->email,
                       req);
    }
    if (req.body().size() > max_body_size) {
        co_return plain(bh::status::payload_too_large, "request body too large", req);
    }
    const auto fields = parse_form(req);
    const action act = fields ? action_of(*fields) : action::none;
    if (act == action::none) {
        co_return plain(bh::status::bad_request,
                        "expected List-Unsubscribe=One-Click or the page's own form", req);
    }
    // The description tells a mailbox provider's one-click from a person on the page.
    co_return co_await change(req, *target, act != action::resubscribe,
                              act == action::one_click ? "one-click" : "preference center");
}

boost::asio::awaitable<http::response>
preference_center::change(const http::request& req, const attribution::unsubscribe_target& target,
                          bool unsubscribe, const char* description) const
{
    const auto kind =
        unsubscribe ? events::event_kind::unsubscribed : events::event_kind::resubscribed;
    const auto opposite =
        unsubscribe ? events::event_kind::resubscribed : events::event_kind::unsubscribed;
    events::gateway_event ev;
    ev.provider = target.provider;
    ev.driver = driver_name;
    ev.kind = kind;
    ev.email = target.email;
    ev.received_at_ms = base::unix_ms_now();
    ev.occurred_at_ms = ev.received_at_ms;
    ev.attributed.campaign_id = target.campaign_id;
    ev.description = description;
    auto lookup = workers::run_blocking(workers_, "route /u/{token}: event lookup",
                                        [&store = store_, email = target.email, opposite] {
                                            return newest_event_id(store, email, opposite);
                                        });
    const auto follows = co_await std::move(lookup);
    if (follows.index() != 0) {
        co_return workers::unavailable_response(req);
    }
    ev.event_key = event_key(target, kind, std::get<0>(follows));
    std::vector<events::routed_event> batch;
    batch.push_back(events::route(std::move(ev), policy_));
    auto [ec, committed] = co_await storage::async_apply(
        store_, std::move(batch), boost::asio::as_tuple(boost::asio::use_awaitable));
    if (ec) {
        log::get("preferences")
            ->error("provider={}: storage failure: {}", target.provider, ec.message());
        co_return plain(bh::status::internal_server_error, "storage failure; please try again",
                        req);
    }
    co_return page(bh::status::ok,
                   unsubscribe ? page_state::unsubscribed : page_state::resubscribed, target.email,
                   req);
}

} // namespace mailgate::core::preferences
