#pragma once

// The gateway's HTTP application: routes each request to the callback endpoint, the preference
// center, the admin API, the sending API, /healthz or /metrics, checks the admin token, counts
// requests by route and status, and logs one request line each.

#include "core/admin/admin_api.hpp"
#include "core/callbacks/callback_endpoint.hpp"
#include "core/http/handler.hpp"
#include "core/metrics/registry.hpp"
#include "core/outbound/api/sending_api.hpp"
#include "core/preferences/preference_center.hpp"
#include "core/storage/store.hpp"
#include "core/workers/blocking_pool.hpp"

#include <spdlog/logger.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mailgate::core::service {

/// A bearer token of the admin API and the name the changes made with it are recorded under.
struct admin_token {
    std::string name;
    std::string secret;
};

class gateway_handler {
public:
    /// `admin_tokens` empty: every admin route answers 401. References must outlive the handler;
    /// `admin` must outlive the work on `workers`, where its routes run (they read and write
    /// the store synchronously). `store`: /healthz fails while its writes do.
    gateway_handler(const callbacks::callback_endpoint& callbacks,
                    const preferences::preference_center& preferences,
                    const admin::admin_api& admin, const outbound::api::sending_api& sending,
                    const storage::store& store, metrics::registry& metrics,
                    std::vector<admin_token> admin_tokens, workers::blocking_pool& workers);

    boost::asio::awaitable<http::response> operator()(http::request req,
                                                      http::connection_info info) const;

private:
    /// What a request line says of a request besides its status: the route template (never the
    /// raw target, whose path or query may carry a token) and the provider it was for.
    struct request_summary {
        std::string route = "other";
        std::string provider; ///< a configured provider's nickname, or empty
    };

    boost::asio::awaitable<http::response> dispatch(const http::request& req,
                                                    request_summary& summary) const;
    http::response health(const http::request& req) const;
    /// The name of the token the request bears, or nothing.
    std::optional<std::string> authorised(const http::request& req) const;
    void log_request(const http::request& req, const http::response& res,
                     const request_summary& summary, const http::connection_info& info,
                     std::chrono::steady_clock::duration elapsed) const;

    const callbacks::callback_endpoint& callbacks_;
    const preferences::preference_center& preferences_;
    const admin::admin_api& admin_;
    const outbound::api::sending_api& sending_;
    const storage::store& store_;
    metrics::registry& metrics_;
    metrics::counter_family requests_;
    std::vector<admin_token> admin_tokens_;
    workers::blocking_pool& workers_;
    std::shared_ptr<spdlog::logger> logger_;
};

} // namespace mailgate::core::service
