#include "core/http/server.hpp"

#include "core/log/log.hpp"
#include "core/metrics/registry.hpp"

#include "tests/support/captured_log.hpp"
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <spdlog/sinks/ostream_sink.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

namespace mailgate::core::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using namespace std::chrono_literals;
using boost::system::error_code;
using steady = std::chrono::steady_clock;
using tcp = asio::ip::tcp;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using ::testing::ThrowsMessage;

// ---- Handlers ----

asio::awaitable<response> echo(request req, connection_info info)
{
    response res{beast_http::status::ok, 11};
    res.set(beast_http::field::content_type, "text/plain");
    res.set("X-Echo-Header", req["X-Test"]);
    res.set("X-Remote", info.remote.address().to_string());
    res.set("X-Tls", info.tls ? "yes" : "no");
    res.body() =
        std::string(req.method_string()) + " " + std::string(req.target()) + " " + req.body();
    co_return res;
}

asio::awaitable<response> fail_on_boom(request req, connection_info info)
{
    if (req.target() == "/boom?secret=hunter2") {
        throw std::runtime_error("the application failed");
    }
    co_return co_await echo(std::move(req), std::move(info));
}

asio::awaitable<response> slow_echo(request req, connection_info info)
{
    asio::steady_timer timer(co_await asio::this_coro::executor, 300ms);
    co_await timer.async_wait(asio::use_awaitable);
    co_return co_await echo(std::move(req), std::move(info));
}

// Posts a completion handler that throws on the connection's I/O context: code that is not the
// session's own, which only the I/O thread's guard can catch.
asio::awaitable<response> post_a_throw_on_boom(request req, connection_info info)
{
    if (req.target() == "/boom") {
        asio::post(co_await asio::this_coro::executor,
                   [] { throw std::runtime_error("a posted handler failed"); });
    }
    co_return co_await echo(std::move(req), std::move(info));
}

// More than loopback's socket buffers hold, so a client that does not read stalls the write.
asio::awaitable<response> huge_body(request req, connection_info)
{
    response res{beast_http::status::ok, req.version()};
    res.body() = std::string(64 * 1024 * 1024, 'x');
    co_return res;
}

// ---- Test scaffolding ----

server_options test_options()
{
    server_options o;
    o.port = 0;
    o.read_timeout = 3s;
    o.idle_timeout = 3s;
    o.write_timeout = 3s;
    o.shutdown_grace = 3s;
    return o;
}

/// A server running on its own threads for the length of a test.
class running_server {
public:
    explicit running_server(server_options options, handler app = echo)
        : server_(std::move(options), std::move(app), metrics_),
          stopped_(std::async(std::launch::async, [this] { server_.run(); }))
    {
    }
    ~running_server()
    {
        server_.stop();
        stopped_.wait();
    }

    http::server& get() { return server_; }
    uint16_t port() const { return server_.port(); }
    bool returned_within(std::chrono::milliseconds limit)
    {
        return stopped_.wait_for(limit) == std::future_status::ready;
    }
    uint64_t rejected(const std::string& reason)
    {
        return metrics_.get_counter("mailgate_http_rejected_total", "", {{"reason", reason}})
            .value();
    }
    std::string metrics_text() const { return metrics_.render(); }

private:
    metrics::registry metrics_;
    http::server server_;
    std::future<void> stopped_;
};

/// A client on its own io_context, each operation bounded in time so a misbehaving server
/// fails the test instead of hanging it.
template <class Stream>
class basic_client {
public:
    template <class... StreamArgs>
    explicit basic_client(uint16_t port, StreamArgs&... args) : stream_(ioc_, args...)
    {
        beast::get_lowest_layer(stream_).connect({asio::ip::make_address("127.0.0.1"), port});
    }

    error_code handshake()
    {
        return run([&](auto done) {
                   stream_.async_handshake(asio::ssl::stream_base::client, std::move(done));
               })
            .first;
    }

    error_code send(std::string_view bytes)
    {
        return run([&](auto done) {
                   asio::async_write(stream_, asio::buffer(bytes), std::move(done));
               })
            .first;
    }

    /// The next response; throws if none arrives.
    beast_http::response<beast_http::string_body> read()
    {
        beast_http::response_parser<beast_http::string_body> parser;
        auto [ec, n] = run(
            [&](auto done) { beast_http::async_read(stream_, buffer_, parser, std::move(done)); });
        if (ec) {
            throw std::runtime_error("no response: " + ec.message());
        }
        return parser.release();
    }

    /// Everything the server sends until it closes; nothing if it is still open after `limit`.
    std::optional<std::string> read_to_close(std::chrono::milliseconds limit = 5s)
    {
        const auto deadline = steady::now() + limit;
        std::string data = beast::buffers_to_string(buffer_.data());
        buffer_.consume(buffer_.size());
        for (;;) {
            std::array<char, 4096> chunk;
            auto [ec, n] = run(
                [&](auto done) { stream_.async_read_some(asio::buffer(chunk), std::move(done)); },
                deadline - steady::now());
            data.append(chunk.data(), n);
            if (ec == asio::error::timed_out) {
                return std::nullopt;
            }
            if (ec) {
                return data;
            }
        }
    }

    void close() { beast::get_lowest_layer(stream_).close(); }

private:
    template <class Initiate>
    std::pair<error_code, std::size_t> run(Initiate initiate, steady::duration limit = 5s)
    {
        std::optional<std::pair<error_code, std::size_t>> result;
        initiate([&](error_code ec, std::size_t n = 0) { result.emplace(ec, n); });
        ioc_.restart();
        ioc_.run_for(limit);
        if (!result) {
            beast::get_lowest_layer(stream_).cancel();
            ioc_.restart();
            ioc_.run();
            return {asio::error::timed_out, result->second};
        }
        return *result;
    }

    asio::io_context ioc_;
    Stream stream_;
    beast::flat_buffer buffer_;
};

using client = basic_client<tcp::socket>;
using tls_client = basic_client<asio::ssl::stream<tcp::socket>>;

bool connection_refused(uint16_t port)
{
    asio::io_context ioc;
    tcp::socket socket(ioc);
    error_code ec;
    socket.connect({asio::ip::make_address("127.0.0.1"), port}, ec);
    return ec == asio::error::connection_refused;
}

template <class Predicate>
bool eventually(Predicate p, std::chrono::milliseconds limit = 2s)
{
    const auto deadline = steady::now() + limit;
    while (!p()) {
        if (steady::now() > deadline) {
            return false;
        }
        std::this_thread::sleep_for(10ms);
    }
    return true;
}

std::string get_request(const std::string& target)
{
    return "GET " + target + " HTTP/1.1\r\nHost: test\r\n\r\n";
}

using mailgate::test::captured_log;

class temp_dir {
public:
    temp_dir()
    {
        std::string pattern = (std::filesystem::temp_directory_path() / "mailgate-http-XXXXXX");
        if (::mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("mkdtemp failed");
        }
        path_ = pattern;
    }
    ~temp_dir() { std::filesystem::remove_all(path_); }
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

template <class Write>
void write_pem(const std::filesystem::path& file, Write write)
{
    std::unique_ptr<FILE, decltype(&std::fclose)> f(std::fopen(file.c_str(), "w"), &std::fclose);
    if (!f || write(f.get()) != 1) {
        throw std::runtime_error("cannot write " + file.string());
    }
}

/// A P-256 key and a self-signed certificate for "localhost", as PEM files in `dir`.
tls_options write_self_signed(const std::filesystem::path& dir)
{
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), &EVP_PKEY_free);
    std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), &X509_free);
    X509_set_version(cert.get(), X509_VERSION_3);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
    X509_set_pubkey(cert.get(), key.get());
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
    X509_set_issuer_name(cert.get(), name);
    if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
        throw std::runtime_error("cannot sign the test certificate");
    }
    tls_options tls{dir / "cert.pem", dir / "key.pem"};
    write_pem(tls.certificate_file, [&](FILE* f) { return PEM_write_X509(f, cert.get()); });
    write_pem(tls.private_key_file, [&](FILE* f) {
        return PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    });
    return tls;
}

// ---- Tests ----

TEST(HttpServer, RoundTripCarriesTheRequestToTheHandlerAndItsResponseBack)
{
    running_server server(test_options());
    client c(server.port());

    c.send("POST /echo?x=1 HTTP/1.1\r\nHost: test\r\nX-Test: hello\r\nContent-Length: 4\r\n\r\n"
           "body");
    auto res = c.read();

    EXPECT_EQ(res.result(), beast_http::status::ok);
    EXPECT_EQ(res.body(), "POST /echo?x=1 body");
    EXPECT_EQ(res["X-Echo-Header"], "hello");
    EXPECT_EQ(res["X-Remote"], "127.0.0.1");
    EXPECT_EQ(res["X-Tls"], "no");
    EXPECT_EQ(res[beast_http::field::server], "mailgate");
    EXPECT_EQ(res[beast_http::field::content_length], std::to_string(res.body().size()));
    EXPECT_TRUE(res.keep_alive());
}

TEST(HttpServer, KeepAliveServesTwoRequestsOnOneConnection)
{
    running_server server(test_options());
    client c(server.port());

    c.send(get_request("/first"));
    EXPECT_EQ(c.read().body(), "GET /first ");
    c.send(get_request("/second"));
    EXPECT_EQ(c.read().body(), "GET /second ");

    EXPECT_EQ(server.get().connections(), 1u);
    EXPECT_THAT(server.metrics_text(), HasSubstr("mailgate_http_connections 1\n"));
}

TEST(HttpServer, Http10ClosesAfterTheResponse)
{
    running_server server(test_options());
    client c(server.port());

    c.send("GET /old HTTP/1.0\r\n\r\n");
    auto text = c.read_to_close();

    ASSERT_TRUE(text.has_value()) << "the server kept the connection open";
    EXPECT_THAT(*text, StartsWith("HTTP/1.0 200 OK\r\n"));
    EXPECT_THAT(*text, EndsWith("\r\n\r\nGET /old "));
}

TEST(HttpServer, HeadGetsTheHeadersWithoutTheBody)
{
    running_server server(test_options());
    client c(server.port());

    c.send("HEAD /h HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
    auto text = c.read_to_close();

    ASSERT_TRUE(text.has_value());
    EXPECT_THAT(*text, StartsWith("HTTP/1.1 200 OK\r\n"));
    EXPECT_THAT(*text, HasSubstr("Content-Length: 8\r\n")); // "HEAD /h "
    EXPECT_THAT(*text, EndsWith("\r\n\r\n"));
}

TEST(HttpServer, ContentLengthOverTheLimitGets413WithoutWaitingForTheBody)
{
    auto options = test_options();
    options.read_timeout = 5s;
    running_server server(options);
    client c(server.port());

    const auto start = steady::now();
    c.send("POST /upload HTTP/1.1\r\nHost: test\r\nContent-Length: 9437184\r\n\r\n");
    auto res = c.read();

    EXPECT_LT(steady::now() - start, 2s) << "the server waited for the body";
    EXPECT_EQ(res.result(), beast_http::status::payload_too_large);
    EXPECT_EQ(res[beast_http::field::content_type], "application/json");
    EXPECT_EQ(res.body(), R"({"error":"body too large"})");
    EXPECT_FALSE(res.keep_alive());
    EXPECT_EQ(server.rejected("body_too_large"), 1u);
}

TEST(HttpServer, ChunkedBodyGrowingPastTheLimitGets413)
{
    auto options = test_options();
    options.body_limit = 1024;
    running_server server(options);
    client c(server.port());

    const std::string chunk = "200\r\n" + std::string(512, 'x') + "\r\n";
    c.send("POST /upload HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk +
           chunk + chunk + "0\r\n\r\n");
    auto res = c.read();

    EXPECT_EQ(res.result(), beast_http::status::payload_too_large);
    EXPECT_FALSE(res.keep_alive());
    EXPECT_EQ(server.rejected("body_too_large"), 1u);
}

TEST(HttpServer, HeaderBlockOverTheLimitGets431)
{
    running_server server(test_options());
    client c(server.port());

    c.send("GET / HTTP/1.1\r\nHost: test\r\nX-Big: " + std::string(32 * 1024, 'a') + "\r\n\r\n");
    auto res = c.read();

    EXPECT_EQ(res.result(), beast_http::status::request_header_fields_too_large);
    EXPECT_EQ(res.body(), R"({"error":"header too large"})");
    EXPECT_FALSE(res.keep_alive());
    EXPECT_EQ(server.rejected("header_too_large"), 1u);
}

TEST(HttpServer, GarbageGets400)
{
    running_server server(test_options());
    client c(server.port());

    c.send("NOT HTTP AT ALL\r\n\r\n");
    auto res = c.read();

    EXPECT_EQ(res.result(), beast_http::status::bad_request);
    EXPECT_EQ(res[beast_http::field::content_type], "application/json");
    EXPECT_EQ(res.body(), R"({"error":"bad request"})");
    EXPECT_FALSE(res.keep_alive());
    EXPECT_EQ(server.rejected("bad_request"), 1u);
}

TEST(HttpServer, ExpectContinueGets100BeforeTheBodyIsSent)
{
    running_server server(test_options());
    client c(server.port());

    c.send("POST /upload HTTP/1.1\r\nHost: test\r\nExpect: 100-continue\r\n"
           "Content-Length: 5\r\n\r\n");
    EXPECT_EQ(c.read().result(), beast_http::status::continue_);
    c.send("hello");
    auto res = c.read();

    EXPECT_EQ(res.result(), beast_http::status::ok);
    EXPECT_EQ(res.body(), "POST /upload hello");
}

TEST(HttpServer, ClientTricklingARequestIsCutOffByTheReadTimeout)
{
    auto options = test_options();
    options.read_timeout = 1s;
    running_server server(options);
    client c(server.port());

    // Sent whole at this pace, the request would take about 20 s.
    const std::string request = get_request("/slow-" + std::string(40, 'a'));
    const auto start = steady::now();
    bool closed = false;
    for (char byte : request) {
        if (c.send(std::string(1, byte)).failed() || c.read_to_close(300ms).has_value()) {
            closed = true;
            break;
        }
    }

    EXPECT_TRUE(closed);
    EXPECT_LT(steady::now() - start, 2500ms);
    // The timer closes the socket first; the session counts the timeout as it unwinds.
    EXPECT_TRUE(eventually([&] { return server.rejected("timeout") == 1; }));
}

TEST(HttpServer, IdleKeepAliveConnectionClosesAfterTheIdleTimeout)
{
    auto options = test_options();
    options.idle_timeout = 500ms;
    running_server server(options);
    client c(server.port());
    c.send(get_request("/"));
    c.read();

    const auto start = steady::now();
    auto rest = c.read_to_close(5s);
    const auto waited = steady::now() - start;

    ASSERT_TRUE(rest.has_value()) << "the idle connection stayed open";
    EXPECT_EQ(*rest, "");
    EXPECT_GE(waited, 300ms);
    EXPECT_LT(waited, 3s);
    EXPECT_EQ(server.rejected("timeout"), 0u) << "an idle close is not a rejection";
}

// The read timeout bounds the client's sending, not the application's work.
TEST(HttpServer, HandlerSlowerThanTheReadTimeoutStillAnswers)
{
    auto options = test_options();
    options.read_timeout = 100ms;
    running_server server(options, slow_echo);
    client c(server.port());

    c.send(get_request("/slow"));
    auto res = c.read();

    EXPECT_EQ(res.result(), beast_http::status::ok);
    EXPECT_EQ(res.body(), "GET /slow ");
    EXPECT_EQ(server.rejected("timeout"), 0u);
}

TEST(HttpServer, ClientThatStopsReadingIsCutOffByTheWriteTimeout)
{
    auto options = test_options();
    options.write_timeout = 300ms;
    running_server server(options, huge_body);
    client c(server.port());

    c.send(get_request("/huge"));
    ASSERT_TRUE(eventually([&] { return server.get().connections() == 1; }));
    const auto start = steady::now();

    // The client reads nothing; the server gives up on the write, lingers, and closes.
    EXPECT_TRUE(eventually([&] { return server.get().connections() == 0; }, 5s));
    EXPECT_GE(steady::now() - start, 250ms);
}

TEST(HttpServer, ConnectionOverTheLimitGets503)
{
    auto options = test_options();
    options.max_connections = 2;
    running_server server(options);
    client first(server.port());
    client second(server.port());
    for (auto* c : {&first, &second}) {
        c->send(get_request("/"));
        c->read();
    }

    client third(server.port());
    third.send(get_request("/"));
    auto res = third.read();

    EXPECT_EQ(res.result(), beast_http::status::service_unavailable);
    EXPECT_EQ(res[beast_http::field::retry_after], "1");
    EXPECT_EQ(res.body(), R"({"error":"overloaded"})");
    EXPECT_FALSE(res.keep_alive());
    EXPECT_TRUE(third.read_to_close(2s).has_value());
    EXPECT_EQ(server.rejected("overloaded"), 1u);
    EXPECT_EQ(server.get().connections(), 2u);
}

TEST(HttpServer, HandlerThrowingGets500AndTheServerKeepsServing)
{
    captured_log log;
    {
        running_server server(test_options(), fail_on_boom);
        client c(server.port());

        c.send(get_request("/boom?secret=hunter2"));
        auto res = c.read();
        EXPECT_EQ(res.result(), beast_http::status::internal_server_error);
        EXPECT_EQ(res[beast_http::field::content_type], "application/json");
        EXPECT_EQ(res.body(), R"({"error":"internal error"})");

        c.send(get_request("/after"));
        EXPECT_EQ(c.read().body(), "GET /after ");
    }
    EXPECT_THAT(log.text(), HasSubstr("handler failed"));
    EXPECT_THAT(log.text(), Not(HasSubstr("hunter2")));
}

// One I/O thread: an exception that escaped it would stop the whole server, not one connection.
server_options one_thread()
{
    auto options = test_options();
    options.threads = 1;
    return options;
}

std::string chunked_request(const std::string& chunks)
{
    return "POST /upload HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks;
}

TEST(HttpServer, ThrowFromAHandlerPostedOnTheIoContextIsLoggedAndTheThreadKeepsServing)
{
    captured_log log;
    {
        running_server server(one_thread(), post_a_throw_on_boom);
        client first(server.port());
        first.send(get_request("/boom"));
        EXPECT_EQ(first.read().result(), beast_http::status::ok);

        client second(server.port());
        second.send(get_request("/after"));
        EXPECT_EQ(second.read().body(), "GET /after ");
    }
    EXPECT_THAT(log.text(), HasSubstr("a posted handler failed"));
}

// Beast's fields hold at most 64 KiB each and throw beyond; a trailer is outside its header
// limit, so this used to end the process.
TEST(HttpServer, TrailerFieldOf64KiBGets431AndTheServerKeepsServing)
{
    running_server server(one_thread());
    client c(server.port());

    c.send(chunked_request("1\r\nx\r\n0\r\nX-Big: " + std::string(65534, 'a') + "\r\n\r\n"));
    auto res = c.read();

    EXPECT_EQ(res.result(), beast_http::status::request_header_fields_too_large);
    EXPECT_EQ(server.rejected("header_too_large"), 1u);
    client after(server.port());
    after.send(get_request("/after"));
    EXPECT_EQ(after.read().body(), "GET /after ");
}

// The configuration refuses a header_limit this large; the server, given one, refuses the field
// Beast throws for on the session's read path.
TEST(HttpServer, HeaderFieldOf64KiBUnderALargerHeaderLimitGets431AndTheServerKeepsServing)
{
    auto options = one_thread();
    options.header_limit = 1024 * 1024;
    running_server server(options);
    client c(server.port());

    c.send("GET / HTTP/1.1\r\nHost: test\r\nX-Big: " + std::string(65534, 'a') + "\r\n\r\n");
    auto res = c.read();

    EXPECT_EQ(res.result(), beast_http::status::request_header_fields_too_large);
    client after(server.port());
    after.send(get_request("/after"));
    EXPECT_EQ(after.read().body(), "GET /after ");
}

TEST(HttpServer, TrailerSectionOverTheHeaderLimitGets431)
{
    running_server server(one_thread());
    client c(server.port());

    std::string trailers;
    for (int i = 0; i < 1000; ++i) {
        trailers += "X-Pad-" + std::to_string(i) + ": " + std::string(100, 'a') + "\r\n";
    }
    c.send(chunked_request("1\r\nx\r\n0\r\n" + trailers + "\r\n"));
    auto res = c.read();

    EXPECT_EQ(res.result(), beast_http::status::request_header_fields_too_large);
    EXPECT_FALSE(res.keep_alive());
}

TEST(HttpServer, ChunkExtensionsOverTheHeaderLimitGet431)
{
    running_server server(one_thread());
    client c(server.port());

    std::string chunks;
    for (int i = 0; i < 100; ++i) {
        chunks += "1;pad=" + std::string(1000, 'a') + "\r\nx\r\n";
    }
    c.send(chunked_request(chunks + "0\r\n\r\n"));
    auto res = c.read();

    EXPECT_EQ(res.result(), beast_http::status::request_header_fields_too_large);
}

TEST(HttpServer, TransferCodingOtherThanChunkedGets501AndCloses)
{
    running_server server(test_options());
    client c(server.port());

    c.send("POST /upload HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
           "0\r\n\r\n");
    auto res = c.read();

    EXPECT_EQ(res.result(), beast_http::status::not_implemented);
    EXPECT_EQ(res.body(), R"({"error":"transfer coding not implemented"})");
    EXPECT_FALSE(res.keep_alive());
    EXPECT_TRUE(c.read_to_close().has_value());
}

TEST(HttpServer, StopLetsTheRequestInProgressFinishClosesIdleConnectionsAndReturns)
{
    auto options = test_options();
    options.idle_timeout = 30s;
    options.shutdown_grace = 5s;
    std::atomic<bool> handler_started{false};
    running_server server(options, [&handler_started](request req, connection_info info) {
        handler_started = true;
        return slow_echo(std::move(req), std::move(info));
    });
    client idle(server.port());
    idle.send(get_request("/"));
    idle.read();
    handler_started = false;
    client busy(server.port());
    busy.send(get_request("/in-flight"));
    ASSERT_TRUE(eventually([&] { return handler_started.load(); }));

    server.get().stop();

    auto res = busy.read();
    EXPECT_EQ(res.result(), beast_http::status::ok);
    EXPECT_EQ(res.body(), "GET /in-flight ");
    EXPECT_FALSE(res.keep_alive());
    EXPECT_TRUE(idle.read_to_close(2s).has_value()) << "the idle connection was left open";
    EXPECT_TRUE(busy.read_to_close(2s).has_value());
    EXPECT_TRUE(connection_refused(server.port()));
    idle.close();
    busy.close();
    EXPECT_TRUE(server.returned_within(3s));
}

TEST(HttpServer, ServesOverTls)
{
    temp_dir dir;
    auto options = test_options();
    options.tls = write_self_signed(dir.path());
    running_server server(options);
    asio::ssl::context trust(asio::ssl::context::tls_client);
    trust.load_verify_file(options.tls->certificate_file.string());
    trust.set_verify_mode(asio::ssl::verify_peer);
    tls_client c(server.port(), trust);

    ASSERT_FALSE(c.handshake().failed());
    c.send(get_request("/secure"));
    auto res = c.read();

    EXPECT_EQ(res.result(), beast_http::status::ok);
    EXPECT_EQ(res.body(), "GET /secure ");
    EXPECT_EQ(res["X-Tls"], "yes");
}

TEST(HttpServer, MissingCertificateFileIsNamedInTheError)
{
    temp_dir dir;
    auto options = test_options();
    options.tls = write_self_signed(dir.path());
    options.tls->certificate_file = dir.path() / "missing.pem";
    metrics::registry metrics;

    EXPECT_THAT([&] { http::server s(options, echo, metrics); },
                ThrowsMessage<std::runtime_error>(HasSubstr("missing.pem")));
}

TEST(HttpServer, PortInUseIsNamedInTheError)
{
    running_server first(test_options());
    auto options = test_options();
    options.port = first.port();
    metrics::registry metrics;

    EXPECT_THAT(
        [&] { http::server s(options, echo, metrics); },
        ThrowsMessage<std::runtime_error>(HasSubstr("127.0.0.1:" + std::to_string(first.port()))));
}

} // namespace
} // namespace mailgate::core::http
