#pragma once

// The operator's API under /v1 (docs/http-api.md): providers, suppressions, events, campaign
// reports, bounce mail handed in. Every route needs the admin bearer token; the caller checks it.

#include "core/callbacks/callback_endpoint.hpp"
#include "core/events/suppression_policy.hpp"
#include "core/http/handler.hpp"
#include "core/intake/bounce_intake.hpp"
#include "core/plugin/provider_set.hpp"
#include "core/storage/store.hpp"

namespace mailgate::core::admin {

class admin_api {
public:
    /// `bounces` takes POST /v1/bounces; null: the route answers 404.
    admin_api(const plugin::provider_set& providers, storage::store& store,
              const callbacks::callback_endpoint& callbacks, intake::bounce_intake* bounces,
              const events::suppression_policy& policy);

    /// `segments`: the decoded path segments after /v1; `who`: the name of the admin token the
    /// request bears, recorded with the changes it makes. Returns nothing for a path that is not
    /// an admin route. THREAD: any I/O thread.
    std::optional<http::response> handle(const http::request& req,
                                         const std::vector<std::string>& segments,
                                         const std::map<std::string, std::string>& query,
                                         const std::string& who) const;

    /// The route label for metrics ("/v1/suppressions/{email}"), or nothing.
    static std::optional<std::string> route_of(const std::vector<std::string>& segments);

private:
    http::response providers(const http::request& req) const;
    http::response queue(const http::request& req) const;
    http::response suppression(const http::request& req, const std::string& email,
                               const std::map<std::string, std::string>& query,
                               const std::string& who) const;
    http::response address(const http::request& req, const std::string& email) const;
    http::response suppressions(const http::request& req,
                                const std::map<std::string, std::string>& query) const;
    http::response events(const http::request& req,
                          const std::map<std::string, std::string>& query) const;
    http::response report(const http::request& req, const std::string& campaign) const;
    http::response bounce(const http::request& req) const;

    const plugin::provider_set& providers_;
    storage::store& store_;
    const callbacks::callback_endpoint& callbacks_;
    intake::bounce_intake* bounces_;
    const events::suppression_policy& policy_;
};

} // namespace mailgate::core::admin
