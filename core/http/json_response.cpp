#include "core/http/json_response.hpp"

#include <boost/json/serialize.hpp>

namespace mailgate::core::http {

response json_response(beast_http::status status, const boost::json::value& body,
                       const request& req)
{
    response res{status, req.version()};
    res.set(beast_http::field::content_type, "application/json");
    res.set(beast_http::field::cache_control, "no-store");
    res.keep_alive(req.keep_alive());
    res.body() = boost::json::serialize(body);
    res.prepare_payload();
    return res;
}

response error_response(beast_http::status status, std::string_view message, const request& req)
{
    return json_response(status, boost::json::object{{"error", message}}, req);
}

} // namespace mailgate::core::http
