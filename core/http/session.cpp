#include "core/http/session.hpp"

#include "core/http/request_reader.hpp"
#include "core/log/log.hpp"
#include "core/net/socket_watchdog.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <openssl/ssl.h>

#include <array>
#include <chrono>
#include <optional>
#include <span>
#include <stdexcept>
#include <string_view>
#include <tuple>
#include <type_traits>

namespace mailgate::core::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using boost::system::error_code;
using tcp_stream = beast::tcp_stream;
using tls_stream = beast::ssl_stream<beast::tcp_stream>;

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// After an error response the client may still be sending. Closing with its bytes unread would
// make the kernel send a reset, which can destroy the response before the client reads it; so
// the server stops sending, then reads and discards for a moment before it closes.
constexpr std::chrono::seconds linger{1};

using clock = net::socket_watchdog::clock;

clock::duration watchdog_tick(const server_options& o)
{
    return net::socket_watchdog::tick_for(
        {o.read_timeout, o.idle_timeout, o.write_timeout, clock::duration(linger)});
}

// The first read of a request only has to learn that one has started.
constexpr std::size_t first_read_size = 4096;

asio::ssl::context make_tls_context(const tls_options& tls)
{
    asio::ssl::context context(asio::ssl::context::tls_server);
    SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_2_VERSION);
    context.set_options(asio::ssl::context::default_workarounds);
    error_code ec;
    context.use_certificate_chain_file(tls.certificate_file.string(), ec);
    if (ec) {
        throw std::runtime_error("cannot load the TLS certificate chain " +
                                 tls.certificate_file.string() + ": " + ec.message());
    }
    context.use_private_key_file(tls.private_key_file.string(), asio::ssl::context::pem, ec);
    if (ec) {
        throw std::runtime_error("cannot load the TLS private key " +
                                 tls.private_key_file.string() + ": " + ec.message());
    }
    return context;
}

metrics::counter& rejected_counter(metrics::registry& metrics, const char* reason)
{
    return metrics.get_counter("mailgate_http_rejected_total",
                               "HTTP requests and connections the server refused, by reason",
                               {{"reason", reason}});
}

response json_error(beast_http::status status, std::string_view message)
{
    response res{status, 11};
    res.set(beast_http::field::content_type, "application/json");
    res.keep_alive(false);
    // The messages are this file's own literals, so they need no escaping.
    res.body() = "{\"error\":\"" + std::string(message) + "\"}";
    res.prepare_payload();
    return res;
}

// The status line and fields of a prepared response (Content-Length or chunked already set),
// with the server's name, ready to go on the wire.
std::string format_header(const response& res)
{
    std::string out;
    out.reserve(256);
    out += res.version() == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    out += std::to_string(res.result_int());
    out += ' ';
    out += std::string_view(res.reason().data(), res.reason().size());
    out += "\r\nServer: mailgate\r\n";
    for (const auto& field : res) {
        if (field.name() == beast_http::field::server) {
            continue;
        }
        out += std::string_view(field.name_string().data(), field.name_string().size());
        out += ": ";
        out += std::string_view(field.value().data(), field.value().size());
        out += "\r\n";
    }
    out += "\r\n";
    return out;
}

// What the server answers to a request the reader refused, and the series it counts in.
struct refusal_answer {
    beast_http::status status;
    const char* message;
    metrics::counter& counter;
};

refusal_answer answer_for(refusal why, rejection_counters& rejected)
{
    switch (why) {
    case refusal::body_too_large:
        return {beast_http::status::payload_too_large, "body too large", rejected.body_too_large};
    case refusal::header_too_large:
        return {beast_http::status::request_header_fields_too_large, "header too large",
                rejected.header_too_large};
    case refusal::unsupported_coding:
        return {beast_http::status::not_implemented, "transfer coding not implemented",
                rejected.not_implemented};
    case refusal::malformed:
    case refusal::none:
        break;
    }
    return {beast_http::status::bad_request, "bad request", rejected.bad_request};
}

template <class Stream>
class session final : public net::connection, public std::enable_shared_from_this<session<Stream>> {
public:
    template <class... StreamArgs>
    session(std::shared_ptr<session_context> context, connection_info info, StreamArgs&&... args)
        : stream_(std::forward<StreamArgs>(args)...), context_(std::move(context)),
          info_(std::move(info)),
          reader_({context_->options.header_limit, context_->options.body_limit}),
          watchdog_(beast::get_lowest_layer(stream_).socket(), watchdog_tick(context_->options))
    {
    }
    ~session() override { context_->connections.remove(this); }

    asio::awaitable<void> run();
    void drain() override;

private:
    static constexpr bool tls = std::is_same_v<Stream, tls_stream>;

    tcp_stream& transport() { return beast::get_lowest_layer(stream_); }
    const server_options& options() const { return context_->options; }

    error_code outcome(error_code ec) const;
    asio::awaitable<bool> handshake();
    asio::awaitable<bool> wait_for_request(bool first);
    asio::awaitable<bool> serve_request();
    asio::awaitable<bool> refuse(refusal why);
    bool read_failed(error_code ec);
    asio::awaitable<bool> respond(request req);
    asio::awaitable<response> call_app(request req);
    asio::awaitable<bool> send_continue();
    asio::awaitable<bool> send(response res, bool head);
    asio::awaitable<void> close();

    Stream stream_;
    std::shared_ptr<session_context> context_;
    connection_info info_;
    request_reader reader_; // its buffer carries a pipelined request over to the next
    bool idle_ = false;     // waiting for the first byte of a request; touched only on the executor
    // Timeouts: rather than Beast's stream timeouts (a timer armed and cancelled around every
    // read and write), deadlines that a watchdog checks.
    net::socket_watchdog watchdog_;
};

// An operation the watchdog cancelled failed by timeout.
template <class Stream>
error_code session<Stream>::outcome(error_code ec) const
{
    return ec && watchdog_.expired() ? error_code(beast::error::timeout) : ec;
}

template <class Stream>
asio::awaitable<void> session<Stream>::run()
{
    using admission = net::connection_registry::admission;
    const auto admitted =
        context_->connections.add(this->shared_from_this(), options().max_connections);
    if (admitted == admission::draining || !co_await handshake()) {
        co_return;
    }
    if (admitted == admission::full) {
        context_->rejected.overloaded.add();
        auto res = json_error(beast_http::status::service_unavailable, "overloaded");
        res.set(beast_http::field::retry_after, "1");
        co_await send(std::move(res), false);
    } else {
        for (bool first = true;; first = false) {
            if (!co_await wait_for_request(first)) {
                break;
            }
            if (!co_await serve_request()) {
                break;
            }
        }
    }
    co_await close();
}

template <class Stream>
void session<Stream>::drain()
{
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
        if (self->idle_) {
            self->transport().cancel();
        }
    });
}

template <class Stream>
asio::awaitable<bool> session<Stream>::handshake()
{
    if constexpr (tls) {
        watchdog_.expire_after(options().read_timeout);
        auto [handshake_ec] =
            co_await stream_.async_handshake(asio::ssl::stream_base::server, use_tuple);
        const auto ec = outcome(handshake_ec);
        if (ec == beast::error::timeout) {
            context_->rejected.timeout.add();
        }
        co_return !ec;
    } else {
        co_return true;
    }
}

// The wait for a request's first byte is what stop() may cut short, and on a kept-alive
// connection it runs under the idle timeout; the read timeout then covers the rest. A new
// connection gets the read timeout for all of its first request.
template <class Stream>
asio::awaitable<bool> session<Stream>::wait_for_request(bool first)
{
    if (context_->connections.draining()) {
        co_return false;
    }
    watchdog_.expire_after(first ? options().read_timeout : options().idle_timeout);
    if (reader_.buffered() == 0) {
        idle_ = true;
        auto [read_ec, n] =
            co_await stream_.async_read_some(reader_.prepare(first_read_size), use_tuple);
        idle_ = false;
        if (const auto ec = outcome(read_ec)) {
            if (first && ec == beast::error::timeout) {
                context_->rejected.timeout.add();
            }
            co_return false;
        }
        reader_.commit(n);
    }
    if (!first) {
        watchdog_.expire_after(options().read_timeout);
    }
    co_return true;
}

// The reader is fed from the socket read by read, so the bytes held for a request are bounded
// and a parse that throws refuses that request instead of escaping the I/O thread.
template <class Stream>
asio::awaitable<bool> session<Stream>::serve_request()
{
    using progress = request_reader::progress;
    reader_.start();
    for (;;) {
        switch (reader_.parse()) {
        case progress::complete:
            co_return co_await respond(reader_.release());
        case progress::refused:
            co_return co_await refuse(reader_.why());
        case progress::header_done:
            if (reader_.expects_continue() && !co_await send_continue()) {
                co_return false;
            }
            break;
        case progress::need_more: {
            auto [read_ec, n] = co_await stream_.async_read_some(reader_.prepare(), use_tuple);
            if (read_ec) {
                co_return read_failed(outcome(read_ec));
            }
            reader_.commit(n);
            break;
        }
        }
    }
}

// Refused before routing: the log line has no route, only why.
template <class Stream>
asio::awaitable<bool> session<Stream>::refuse(refusal why)
{
    const auto answer = answer_for(why, context_->rejected);
    answer.counter.add();
    const std::string remote = info_.remote.address().to_string();
    log::write(*log::get("http"), spdlog::level::info, "request",
               {{"route", ""},
                {"status", static_cast<std::int64_t>(answer.status)},
                {"refused", answer.message},
                {"remote", remote}});
    co_await send(json_error(answer.status, answer.message), false);
    co_return false;
}

// A request cut short: the client left or was too slow, and there is no one to answer.
template <class Stream>
bool session<Stream>::read_failed(error_code ec)
{
    if (ec == beast::error::timeout) {
        context_->rejected.timeout.add();
    }
    return false;
}

template <class Stream>
asio::awaitable<bool> session<Stream>::respond(request req)
{
    const bool head = req.method() == beast_http::verb::head;
    const bool keep_alive = req.keep_alive();
    const unsigned version = req.version();
    watchdog_.suspend(); // the application's time is not the client's
    auto res = co_await call_app(std::move(req));
    res.version(version);
    res.keep_alive(keep_alive && !context_->connections.draining());
    co_return co_await send(std::move(res), head);
}

// The handler's exception text is logged because it is the application's own; the request,
// which is the client's, is not.
template <class Stream>
asio::awaitable<response> session<Stream>::call_app(request req)
{
    try {
        auto res = co_await context_->app(std::move(req), info_);
        res.prepare_payload();
        co_return res;
    } catch (const std::exception& e) {
        log::get("http")->error("handler failed, answered 500: {}", e.what());
    } catch (...) {
        log::get("http")->error("handler failed with a non-standard exception, answered 500");
    }
    co_return json_error(beast_http::status::internal_server_error, "internal error");
}

// The interim response is part of reading the request, so it runs under the read deadline.
template <class Stream>
asio::awaitable<bool> session<Stream>::send_continue()
{
    beast_http::response<beast_http::empty_body> res{beast_http::status::continue_, 11};
    auto [ec, n] = co_await beast_http::async_write(stream_, res, use_tuple);
    co_return !ec;
}

// Returns whether the connection stays open for another request. The header is formatted here
// and written with the body in one gather write: Beast's serializer walks its buffer sequences
// generically, which at thousands of small responses a second costs more than the formatting.
template <class Stream>
asio::awaitable<bool> session<Stream>::send(response res, bool head)
{
    watchdog_.expire_after(options().write_timeout);
    const std::string header = format_header(res);
    std::array<asio::const_buffer, 2> buffers{asio::buffer(header), asio::buffer(res.body())};
    auto [ec, n] =
        co_await asio::async_write(stream_, std::span(buffers.data(), head ? 1 : 2), use_tuple);
    co_return !ec && res.keep_alive();
}

template <class Stream>
asio::awaitable<void> session<Stream>::close()
{
    watchdog_.expire_after(linger);
    if constexpr (tls) {
        co_await stream_.async_shutdown(use_tuple);
    } else {
        error_code ec;
        stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
        std::array<char, 4096> discard;
        while (!ec) {
            std::tie(ec, std::ignore) =
                co_await stream_.async_read_some(asio::buffer(discard), use_tuple);
        }
    }
}

asio::awaitable<void> serve(std::shared_ptr<session_context> context, asio::ip::tcp::socket socket)
{
    error_code ec;
    connection_info info{socket.remote_endpoint(ec), context->tls.has_value()};
    if (context->tls) {
        auto& tls = *context->tls;
        co_await std::make_shared<session<tls_stream>>(std::move(context), info, std::move(socket),
                                                       tls)
            ->run();
    } else {
        co_await std::make_shared<session<tcp_stream>>(std::move(context), info, std::move(socket))
            ->run();
    }
}

} // namespace

rejection_counters::rejection_counters(metrics::registry& metrics)
    : body_too_large(rejected_counter(metrics, "body_too_large")),
      header_too_large(rejected_counter(metrics, "header_too_large")),
      bad_request(rejected_counter(metrics, "bad_request")),
      not_implemented(rejected_counter(metrics, "not_implemented")),
      timeout(rejected_counter(metrics, "timeout")),
      overloaded(rejected_counter(metrics, "overloaded"))
{
}

session_context::session_context(server_options opts, handler application,
                                 metrics::registry& metrics)
    : options(std::move(opts)), app(std::move(application)), rejected(metrics)
{
    if (options.tls) {
        tls.emplace(make_tls_context(*options.tls));
    }
}

// An exception out of the session's coroutine ends it: the session, its socket with it, is
// destroyed as the coroutine unwinds, so that one connection is closed and the thread goes on.
void start_session(std::shared_ptr<session_context> context, asio::ip::tcp::socket socket)
{
    auto executor = socket.get_executor();
    asio::co_spawn(
        executor, serve(std::move(context), std::move(socket)), [](std::exception_ptr e) {
            if (!e) {
                return;
            }
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                log::get("http")->error("connection failed, closed: {}", ex.what());
            } catch (...) {
                log::get("http")->error("connection failed, closed: non-standard exception");
            }
        });
}

} // namespace mailgate::core::http
