#pragma once

// The sending side of the API (docs/sending.md): POST /v1/messages, GET /v1/messages/{id} and
// POST /v1/providers/{nickname}/test. Admin routes: the caller checks the token.

#include "core/http/handler.hpp"
#include "core/metrics/registry.hpp"
#include "core/outbound/api/message_composer.hpp"
#include "core/outbound/api/test_email.hpp"
#include "core/outbound/delivery/delivery_service.hpp"
#include "core/outbound/delivery/sending_provider.hpp"
#include "core/storage/store.hpp"
#include "core/workers/blocking_pool.hpp"

#include <boost/asio/awaitable.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace mailgate::core::outbound::api {

class sending_api {
public:
    /// Accepted messages go to `delivery` directly while it has room, stored leased to this
    /// node, and are otherwise queued for its claims. References must outlive the API; the
    /// API, `composer` and `store` also the work on `workers` (store reads, drivers' decorate).
    sending_api(std::vector<delivery::sending_provider> providers, const message_composer& composer,
                storage::store& store, metrics::registry& metrics,
                delivery::delivery_service& delivery, workers::blocking_pool& workers);

    /// The route label for metrics ("/v1/messages/{id}"), or nothing. `segments`: after /v1.
    static std::optional<std::string> route_of(const std::vector<std::string>& segments);

    /// `segments`: the decoded path segments after /v1, a route of route_of. THREAD: any I/O
    /// thread.
    boost::asio::awaitable<http::response> handle(const http::request& req,
                                                  const std::vector<std::string>& segments) const;

private:
    boost::asio::awaitable<http::response> accept(const http::request& req) const;
    boost::asio::awaitable<http::response> status(const http::request& req,
                                                  const std::string& id) const;
    boost::asio::awaitable<http::response> test(const http::request& req,
                                                const std::string& nickname) const;
    boost::asio::awaitable<test_email_result>
    test_with_body(const delivery::sending_provider& provider, const std::string& body) const;
    const delivery::sending_provider* find(const std::string& nickname) const;

    std::vector<delivery::sending_provider> providers_;
    const message_composer& composer_;
    storage::store& store_;
    metrics::registry& metrics_;
    delivery::delivery_service& delivery_;
    workers::blocking_pool& workers_;
};

} // namespace mailgate::core::outbound::api
