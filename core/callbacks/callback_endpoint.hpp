#pragma once

// POST (and HEAD) /v1/callbacks/{nickname}: the provider's driver parses the request, the
// router derives what it changes, storage commits it, and only then the ESP gets its 200.

#include "core/alerts/sender_refusals.hpp"
#include "core/attribution/meta_token.hpp"
#include "core/events/suppression_policy.hpp"
#include "core/http/handler.hpp"
#include "core/metrics/registry.hpp"
#include "core/plugin/provider_set.hpp"
#include "core/storage/store.hpp"
#include "core/workers/blocking_pool.hpp"

#include <map>
#include <string>

namespace mailgate::core::callbacks {

class callback_endpoint {
public:
    /// `public_url` is server.public_url: each provider's callback URL is it plus
    /// /v1/callbacks/{nickname}. All references must outlive the endpoint.
    /// `meta_codec` may be null (then no attribution token verifies). Drivers run on
    /// `workers`, which must be stopped before the providers and the codec are destroyed.
    callback_endpoint(const plugin::provider_set& providers, storage::store& store,
                      metrics::registry& metrics, std::string public_url,
                      const attribution::meta_codec* meta_codec,
                      const events::suppression_policy& policy, workers::blocking_pool& workers);

    /// THREAD: any I/O thread; concurrent calls are fine.
    boost::asio::awaitable<http::response> handle(const http::request& req,
                                                  std::string nickname) const;

    /// Whether `nickname` is a configured provider's.
    bool serves(std::string_view nickname) const;

    /// When the provider's last callback was taken (Unix ms), or 0 for none since start.
    /// THREAD: any.
    int64_t last_callback_ms(std::string_view nickname) const;

    /// The URL a provider's ESP posts to.
    std::string callback_url(const std::string& nickname) const;

    /// Sets server.public_url once the listener knows its port (when none is configured).
    /// THREAD: before requests are served.
    void set_public_url(std::string public_url);

private:
    const plugin::provider_set& providers_;
    storage::store& store_;
    std::string public_url_;
    const attribution::meta_codec* meta_codec_;
    const events::suppression_policy& policy_;
    workers::blocking_pool& workers_;
    metrics::counter_family signature_failures_;
    metrics::counter_family events_;
    metrics::counter_family reasons_;
    metrics::counter_family duplicates_;
    metrics::counter_family rejected_;
    mutable alerts::sender_refusals refusals_;
    /// Each provider's time of its last callback answered 2xx (Unix seconds), for an alert on a
    /// provider gone quiet. Made at construction: read-only after, so any thread may look up.
    std::map<std::string, metrics::gauge*, std::less<>> last_callback_;
};

} // namespace mailgate::core::callbacks
