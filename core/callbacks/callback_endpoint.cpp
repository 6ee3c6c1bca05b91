#include "core/callbacks/callback_endpoint.hpp"

#include "core/callbacks/callback_response.hpp"
#include "core/events/router.hpp"
#include "core/http/json_response.hpp"
#include "core/log/log.hpp"
#include "core/storage/async_apply.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <array>
#include <chrono>

namespace mailgate::core::callbacks {
namespace {

namespace bh = boost::beast::http;

plugin::callback_request driver_request(const http::request& req, const std::string& url,
                                        const attribution::meta_codec* meta_codec)
{
    plugin::callback_request out;
    out.meta_codec = meta_codec;
    out.method = {req.method_string().data(), req.method_string().size()};
    out.public_url = url;
    out.target = {req.target().data(), req.target().size()};
    for (const auto& field : req) {
        out.headers.emplace_back(
            std::string_view(field.name_string().data(), field.name_string().size()),
            std::string_view(field.value().data(), field.value().size()));
    }
    out.body = req.body();
    return out;
}

} // namespace

callback_endpoint::callback_endpoint(const plugin::provider_set& providers, storage::store& store,
                                     metrics::registry& metrics, std::string public_url,
                                     const attribution::meta_codec* meta_codec)
    : providers_(providers), store_(store), meta_codec_(meta_codec),
      signature_failures_(metrics, "mailgate_signature_failures_total",
                          "Callbacks refused for a failed signature or token", {"provider"}),
      events_(metrics, "mailgate_events_total", "Events received, by provider and kind",
              {"provider", "kind"}),
      duplicates_(metrics, "mailgate_events_duplicate_total",
                  "Events already stored (provider retries)", {"provider"}),
      rejected_(metrics, "mailgate_events_rejected_total", "Callback items that were not events",
                {"provider"})
{
    set_public_url(std::move(public_url));
}

void callback_endpoint::set_public_url(std::string public_url)
{
    public_url_ = std::move(public_url);
    while (!public_url_.empty() && public_url_.back() == '/') {
        public_url_.pop_back();
    }
}

bool callback_endpoint::serves(std::string_view nickname) const
{
    return providers_.find(nickname) != nullptr;
}

std::string callback_endpoint::callback_url(const std::string& nickname) const
{
    return public_url_ + "/v1/callbacks/" + nickname;
}

boost::asio::awaitable<http::response> callback_endpoint::handle(const http::request& req,
                                                                 std::string nickname) const
{
    const plugin::driver_instance* provider = providers_.find(nickname);
    if (provider == nullptr) {
        co_return http::error_response(bh::status::not_found, "unknown provider", req);
    }
    plugin::callback_result result =
        provider->parse_callback(driver_request(req, callback_url(nickname), meta_codec_));
    if (result.status != MG_OK) {
        if (result.status == MG_UNAUTHORIZED) {
            signature_failures_.with({nickname}).add();
        }
        if (result.status == MG_INTERNAL_ERROR) {
            log::get("callbacks")->error("provider={}: driver failure: {}", nickname, result.error);
            result.error = "driver failure";
        }
        co_return http::json_response(refusal_status(result.status), refused_body(result.error),
                                      req);
    }

    auto batch = events::route_callback(result, provider->provider(), provider->library().label(),
                                        events::unix_ms_now(), meta_codec_);
    // Counted per kind before the batch moves to storage: one counter lookup per kind, not per
    // event.
    std::array<uint64_t, 12> per_kind{};
    for (const auto& r : batch) {
        ++per_kind[static_cast<std::size_t>(r.ev.kind)];
    }
    storage::commit_result committed;
    if (!batch.empty()) {
        auto [ec, commit] = co_await storage::async_apply(
            store_, std::move(batch), boost::asio::as_tuple(boost::asio::use_awaitable));
        if (ec) {
            log::get("callbacks")
                ->error("provider={}: storage failure: {}", nickname, ec.message());
            co_return http::error_response(bh::status::internal_server_error, "storage failure",
                                           req);
        }
        committed = commit;
    }
    for (std::size_t k = 0; k < per_kind.size(); ++k) {
        if (per_kind[k] != 0) {
            events_.with({nickname, to_string(static_cast<events::event_kind>(k))})
                .add(per_kind[k]);
        }
    }
    // Most callbacks have neither: skip the lookups for counters that would not move.
    if (committed.duplicates != 0) {
        duplicates_.with({nickname}).add(committed.duplicates);
    }
    if (!result.rejected.empty()) {
        rejected_.with({nickname}).add(result.rejected.size());
    }
    co_return http::json_response(bh::status::ok,
                                  processed_body(committed.stored + committed.duplicates,
                                                 committed.duplicates, result.rejected),
                                  req);
}

} // namespace mailgate::core::callbacks
