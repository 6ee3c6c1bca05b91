#pragma once

// Responses with a JSON body, the only kind the gateway's API sends.

#include "core/http/handler.hpp"

#include <boost/json/value.hpp>

#include <string_view>

namespace mailgate::core::http {

response json_response(beast_http::status status, const boost::json::value& body,
                       const request& req);

/// `{"error": message}`.
response error_response(beast_http::status status, std::string_view message, const request& req);

} // namespace mailgate::core::http
