#pragma once

// The contract between the HTTP server and the application: a coroutine from a request to a
// response. The server owns sockets, limits, timeouts and keep-alive; the application owns
// routing and meaning.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <functional>

namespace mailgate::core::http {

namespace beast_http = boost::beast::http;

using request = beast_http::request<beast_http::string_body>;
using response = beast_http::response<beast_http::string_body>;

struct connection_info {
    boost::asio::ip::tcp::endpoint remote;
    bool tls = false;
};

/// Called once per complete request (its body read within the limits), on an I/O thread. It
/// may suspend, e.g. until storage has committed. It must not throw for anything a client
/// sent; an exception that escapes becomes a 500 and is logged.
using handler = std::function<boost::asio::awaitable<response>(request, connection_info)>;

} // namespace mailgate::core::http
