#include "core/http/server.hpp"

#include <pthread.h>

#include "core/http/session.hpp"
#include "core/log/log.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

namespace mailgate::core::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using control_strand = asio::strand<asio::io_context::executor_type>;

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// Accept failures such as running out of file descriptors repeat at once; pausing keeps the
// loop from spinning on them.
constexpr std::chrono::milliseconds accept_backoff{100};

tcp::acceptor open_acceptor(const control_strand& strand, const server_options& options)
{
    try {
        const tcp::endpoint endpoint(asio::ip::make_address(options.address), options.port);
        tcp::acceptor acceptor(strand);
        acceptor.open(endpoint.protocol());
        acceptor.set_option(asio::socket_base::reuse_address(true));
        acceptor.bind(endpoint);
        acceptor.listen(asio::socket_base::max_listen_connections);
        return acceptor;
    } catch (const boost::system::system_error& e) {
        throw std::runtime_error(fmt::format("cannot listen on {}:{}: {}", options.address,
                                             options.port, e.code().message()));
    }
}

} // namespace

struct server::impl {
    impl(server_options options, handler app, metrics::registry& metrics);
    ~impl();

    asio::awaitable<void> accept_loop();
    asio::awaitable<void> back_off(boost::system::error_code ec);
    void begin_shutdown();

    // Declared first so that it goes last: the I/O objects below need it while they close.
    asio::io_context ioc_;
    control_strand control_; // accepting and stopping
    std::shared_ptr<session_context> context_;
    tcp::acceptor acceptor_;
    const uint16_t port_; // kept, as the acceptor's own is gone once stop() closes it
    asio::steady_timer grace_;
    std::atomic<bool> stop_requested_{false};
};

server::impl::impl(server_options options, handler app, metrics::registry& metrics)
    : ioc_(static_cast<int>(std::max(1u, options.threads))), control_(asio::make_strand(ioc_)),
      context_(std::make_shared<session_context>(std::move(options), std::move(app), metrics)),
      acceptor_(open_acceptor(control_, context_->options)),
      port_(acceptor_.local_endpoint().port()), grace_(control_)
{
    asio::co_spawn(control_, accept_loop(), [](std::exception_ptr e) {
        if (e) {
            log::get("http")->critical("the server stopped accepting connections");
        }
    });
}

server::impl::~impl()
{
    // Connections still open are destroyed with ioc_, after this body, and must not call back.
    context_->connections.when_empty(nullptr);
}

asio::awaitable<void> server::impl::accept_loop()
{
    while (acceptor_.is_open()) {
        auto [ec, socket] = co_await acceptor_.async_accept(asio::make_strand(ioc_), use_tuple);
        if (!ec) {
            start_session(context_, tcp::socket(std::move(socket)));
        } else if (ec != asio::error::operation_aborted) {
            co_await back_off(ec);
        }
    }
}

asio::awaitable<void> server::impl::back_off(boost::system::error_code ec)
{
    log::get("http")->warn("accepting a connection failed: {}", ec.message());
    asio::steady_timer pause(control_, accept_backoff);
    co_await pause.async_wait(use_tuple);
}

void server::impl::begin_shutdown()
{
    log::get("http")->info("stopping, {} connections open", context_->connections.size());
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    grace_.expires_after(context_->options.shutdown_grace);
    grace_.async_wait([this](boost::system::error_code ec) {
        if (!ec) {
            log::get("http")->warn("shutdown grace expired with {} connections open",
                                   context_->connections.size());
            ioc_.stop();
        }
    });
    context_->connections.drain();
    context_->connections.when_empty([this] { ioc_.stop(); });
}

server::server(server_options options, handler app, metrics::registry& metrics)
    : impl_(std::make_unique<impl>(std::move(options), std::move(app), metrics))
{
    metrics.add_gauge("mailgate_http_connections", "Open HTTP connections",
                      [context = std::weak_ptr(impl_->context_)] {
                          auto c = context.lock();
                          return c ? static_cast<double>(c->connections.size()) : 0.0;
                      });
    const auto& o = impl_->context_->options;
    log::get("http")->info("listening on {}:{}{}", o.address, port(), o.tls ? " with TLS" : "");
}

server::~server() = default;

uint16_t server::port() const
{
    return impl_->port_;
}

void server::run()
{
    std::vector<std::jthread> others;
    // Named, so `top -H` and profilers tell the I/O threads from storage's writer.
    for (unsigned i = 1; i < impl_->context_->options.threads; ++i) {
        others.emplace_back([this] {
            pthread_setname_np(pthread_self(), "mg-io");
            impl_->ioc_.run();
        });
    }
    pthread_setname_np(pthread_self(), "mg-io");
    impl_->ioc_.run();
}

void server::stop()
{
    if (!impl_->stop_requested_.exchange(true)) {
        asio::post(impl_->control_, [impl = impl_.get()] { impl->begin_shutdown(); });
    }
}

std::size_t server::connections() const
{
    return impl_->context_->connections.size();
}

} // namespace mailgate::core::http
