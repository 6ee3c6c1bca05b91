#include "core/http/server.hpp"

#include <pthread.h>

#include "core/http/session.hpp"
#include "core/log/log.hpp"
#include "core/net/guarded_run.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <mutex>
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

// One io_context per I/O thread, each run by that thread alone: a connection lives on one of
// them, so its handlers need no strand, and the threads share no scheduler lock.
std::vector<std::unique_ptr<asio::io_context>> make_contexts(unsigned threads)
{
    std::vector<std::unique_ptr<asio::io_context>> contexts;
    for (unsigned i = 0; i < std::max(1u, threads); ++i) {
        contexts.push_back(std::make_unique<asio::io_context>(1));
    }
    return contexts;
}

} // namespace

struct server::impl {
    impl(server_options options, handler app, metrics::registry& metrics);
    ~impl();

    asio::awaitable<void> accept_loop();
    asio::awaitable<void> back_off(boost::system::error_code ec);
    void begin_shutdown();
    void stop_contexts();
    asio::io_context& next_context();

    // Declared first so that they go last: the I/O objects below need them while they close.
    std::vector<std::unique_ptr<asio::io_context>> contexts_;
    // Until stop, a thread whose context has no connection yet must keep running it.
    std::vector<asio::executor_work_guard<asio::io_context::executor_type>> keep_running_;
    // The grace timer (on the control strand) and the last connection to close (on any I/O
    // thread) may both stop the contexts, at the same moment.
    std::once_flag stopped_;
    std::size_t next_ = 0;   // the context for the next connection; touched only by control_
    control_strand control_; // accepting and stopping
    std::shared_ptr<session_context> context_;
    tcp::acceptor acceptor_;
    const uint16_t port_; // kept, as the acceptor's own is gone once stop() closes it
    asio::steady_timer grace_;
    std::atomic<bool> stop_requested_{false};
};

server::impl::impl(server_options options, handler app, metrics::registry& metrics)
    : contexts_(make_contexts(options.threads)), control_(asio::make_strand(*contexts_[0])),
      context_(std::make_shared<session_context>(std::move(options), std::move(app), metrics)),
      acceptor_(open_acceptor(control_, context_->options)),
      port_(acceptor_.local_endpoint().port()), grace_(control_)
{
    for (auto& context : contexts_) {
        keep_running_.push_back(asio::make_work_guard(*context));
    }
    asio::co_spawn(control_, accept_loop(), [](std::exception_ptr e) {
        if (e) {
            log::get("http")->critical("the server stopped accepting connections");
        }
    });
}

server::impl::~impl()
{
    // Connections still open are destroyed with the contexts, after this body, and must not
    // call back.
    context_->connections.when_empty(nullptr);
}

asio::awaitable<void> server::impl::accept_loop()
{
    while (acceptor_.is_open()) {
        auto [ec, socket] = co_await acceptor_.async_accept(next_context(), use_tuple);
        if (!ec) {
            // Only that connection is lost (its socket closes with the throw); accepting goes on.
            try {
                start_session(context_, tcp::socket(std::move(socket)));
            } catch (const std::exception& e) {
                log::get("http")->error("a connection could not be started, closed: {}", e.what());
            }
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
            stop_contexts();
        }
    });
    context_->connections.drain();
    context_->connections.when_empty([this] { stop_contexts(); });
}

void server::impl::stop_contexts()
{
    std::call_once(stopped_, [this] {
        keep_running_.clear();
        for (auto& context : contexts_) {
            context->stop();
        }
    });
}

asio::io_context& server::impl::next_context()
{
    auto& context = *contexts_[next_];
    next_ = (next_ + 1) % contexts_.size();
    return context;
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
    for (std::size_t i = 1; i < impl_->contexts_.size(); ++i) {
        others.emplace_back([context = impl_->contexts_[i].get()] {
            pthread_setname_np(pthread_self(), "mg-io");
            net::guarded_run(*context, "http");
        });
    }
    pthread_setname_np(pthread_self(), "mg-io");
    net::guarded_run(*impl_->contexts_[0], "http");
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
