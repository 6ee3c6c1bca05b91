#include "core/callbacks/callback_endpoint.hpp"

#include "core/base/clock.hpp"
#include "core/callbacks/callback_response.hpp"
#include "core/events/router.hpp"
#include "core/http/json_response.hpp"
#include "core/log/log.hpp"
#include "core/reasons/reason.hpp"
#include "core/storage/async_apply.hpp"
#include "core/workers/run_blocking.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <array>
#include <chrono>

namespace mailgate::core::callbacks {
namespace {

namespace bh = boost::beast::http;

// The request as the driver sees it, owned: the driver runs on a worker, and when it overruns
// the deadline its request is answered and destroyed while the driver still reads this.
std::string text(boost::beast::string_view s)
{
    return {s.data(), s.size()};
}

class driver_request {
public:
    driver_request(const http::request& req, std::string url,
                   const attribution::meta_codec* meta_codec)
        : meta_codec_(meta_codec), method_(text(req.method_string())), url_(std::move(url)),
          target_(text(req.target())), body_(req.body())
    {
        for (const auto& field : req) {
            headers_.emplace_back(text(field.name_string()), text(field.value()));
        }
    }

    plugin::raw_callback view() const
    {
        plugin::raw_callback out;
        out.meta_codec = meta_codec_;
        out.method = method_;
        out.public_url = url_;
        out.target = target_;
        out.headers.assign(headers_.begin(), headers_.end());
        out.body = body_;
        return out;
    }

private:
    const attribution::meta_codec* meta_codec_;
    std::string method_;
    std::string url_;
    std::string target_;
    std::vector<std::pair<std::string, std::string>> headers_;
    std::string body_;
};

} // namespace

callback_endpoint::callback_endpoint(const plugin::provider_set& providers, storage::store& store,
                                     metrics::registry& metrics, std::string public_url,
                                     const attribution::meta_codec* meta_codec,
                                     const events::suppression_policy& policy,
                                     workers::blocking_pool& workers)
    : providers_(providers), store_(store), meta_codec_(meta_codec), policy_(policy),
      workers_(workers),
      signature_failures_(metrics, "mailgate_signature_failures_total",
                          "Callbacks refused for a failed signature or token", {"provider"}),
      events_(metrics, "mailgate_events_total", "Events received, by provider and kind",
              {"provider", "kind"}),
      reasons_(metrics, "mailgate_event_reasons_total",
               "Events received with a reason (docs/events.md), by provider and reason",
               {"provider", "reason"}),
      duplicates_(metrics, "mailgate_events_duplicate_total",
                  "Events already stored (provider retries)", {"provider"}),
      rejected_(metrics, "mailgate_events_rejected_total", "Callback items that were not events",
                {"provider"}),
      refusals_(metrics)
{
    for (const auto& p : providers_.providers()) {
        last_callback_[p->provider()] = &metrics.get_gauge(
            "mailgate_callback_last_received_seconds",
            "When each provider's last callback was taken (Unix time; 0: none since start)",
            {{"provider", p->provider()}});
    }
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

int64_t callback_endpoint::last_callback_ms(std::string_view nickname) const
{
    const auto last = last_callback_.find(nickname);
    return last == last_callback_.end() ? 0 : static_cast<int64_t>(last->second->value() * 1000.0);
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
    // The provider set outlives the workers; the request is the work's own.
    auto parse = workers::run_blocking(
        workers_,
        "provider '" + nickname + "' (" + provider->library().label() + "): parse_callback",
        [provider, request = driver_request(req, callback_url(nickname), meta_codec_)] {
            return provider->parse_callback(request.view());
        });
    auto parsed = co_await std::move(parse);
    if (parsed.index() != 0) {
        co_return workers::unavailable_response(req);
    }
    plugin::parsed_callback result = std::move(std::get<0>(parsed));
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
                                        base::unix_ms_now(), meta_codec_, policy_);
    refusals_.report(batch);
    // Counted per kind and reason before the batch moves to storage: one counter lookup per
    // kind or reason, not per event.
    std::array<uint64_t, events::event_kind_count> per_kind{};
    std::array<uint64_t, reasons::reason_count> per_reason{};
    for (const auto& r : batch) {
        ++per_kind[static_cast<std::size_t>(r.ev.kind)];
        if (r.ev.reason) {
            ++per_reason[static_cast<std::size_t>(*r.ev.reason)];
        }
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
    for (std::size_t r = 0; r < per_reason.size(); ++r) {
        if (per_reason[r] != 0) {
            reasons_.with({nickname, reasons::to_string(static_cast<reasons::reason>(r))})
                .add(per_reason[r]);
        }
    }
    // Most callbacks have neither: skip the lookups for counters that would not move.
    if (committed.duplicates != 0) {
        duplicates_.with({nickname}).add(committed.duplicates);
    }
    if (!result.rejected.empty()) {
        rejected_.with({nickname}).add(result.rejected.size());
    }
    if (const auto last = last_callback_.find(nickname); last != last_callback_.end()) {
        last->second->set(static_cast<double>(base::unix_ms_now()) / 1000.0);
    }
    co_return http::json_response(bh::status::ok,
                                  processed_body(committed.stored + committed.duplicates,
                                                 committed.duplicates, result.rejected),
                                  req);
}

} // namespace mailgate::core::callbacks
