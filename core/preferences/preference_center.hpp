#pragma once

// The system preference center: `/u/{token}`, where the links in List-Unsubscribe point for a
// provider whose preference_center is `system`.
//
// GET and HEAD only show a page (link scanners prefetch links and must change nothing). A POST
// of `List-Unsubscribe=One-Click` (RFC 8058) or of the page's own form unsubscribes; the page's
// resubscribe form undoes it. Each change is an event through the router, committed durably
// before the answer, with an idempotency key so a repeated click is one event.

#include "core/attribution/unsubscribe_token.hpp"
#include "core/events/suppression_policy.hpp"
#include "core/http/handler.hpp"
#include "core/storage/store.hpp"
#include "core/workers/blocking_pool.hpp"

#include <string_view>

namespace mailgate::core::preferences {

class preference_center {
public:
    /// The largest POST body accepted; one-click and the page's forms need a few dozen bytes.
    static constexpr std::size_t max_body_size = 4096;

    /// `codec` null (no attribution.key): every token is refused. References must outlive
    /// the preference center; `store` also the work on `workers`, where it is read.
    /// Its links carry no stream: an unsubscribe is from `policy`'s default stream.
    preference_center(const attribution::unsubscribe_codec* codec, storage::store& store,
                      const events::suppression_policy& policy, workers::blocking_pool& workers);

    /// THREAD: any I/O thread; concurrent calls are fine.
    boost::asio::awaitable<http::response> handle(const http::request& req,
                                                  std::string_view token) const;

private:
    boost::asio::awaitable<http::response> change(const http::request& req,
                                                  const attribution::unsubscribe_target& target,
                                                  bool unsubscribe, const char* description) const;

    const attribution::unsubscribe_codec* codec_;
    storage::store& store_;
    const events::suppression_policy& policy_;
    workers::blocking_pool& workers_;
};

} // namespace mailgate::core::preferences
