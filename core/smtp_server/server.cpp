#include "core/smtp_server/server.hpp"

#include <pthread.h>

#include "core/log/log.hpp"
#include "core/net/guarded_run.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>

#include <atomic>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace mailgate::core::smtp_server {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// Accept failures such as running out of file descriptors repeat at once; pausing keeps the
// loop from spinning on them.
constexpr std::chrono::milliseconds accept_backoff{100};

tcp::acceptor open_acceptor(asio::io_context& io, const config::bounce_listener_config& c)
{
    try {
        const tcp::endpoint endpoint(asio::ip::make_address(c.address), c.port);
        tcp::acceptor acceptor(io);
        acceptor.open(endpoint.protocol());
        acceptor.set_option(asio::socket_base::reuse_address(true));
        acceptor.bind(endpoint);
        acceptor.listen(asio::socket_base::max_listen_connections);
        return acceptor;
    } catch (const boost::system::system_error& e) {
        throw std::runtime_error(fmt::format("cannot listen for bounce mail on {}:{}: {}",
                                             c.address, c.port, e.code().message()));
    }
}

} // namespace

struct server::impl {
    impl(config::bounce_listener_config config, recipient_check accepts_recipient,
         bounces::message_sink sink, metrics::registry& metrics);
    ~impl();

    asio::awaitable<void> accept_loop();
    asio::awaitable<void> back_off(boost::system::error_code ec);
    void begin_shutdown(std::chrono::milliseconds grace);
    void stop_context();

    // First, so that it goes last: the sessions it still holds need what follows while they
    // close.
    asio::io_context io_{1};
    asio::executor_work_guard<asio::io_context::executor_type> keep_running_;
    std::shared_ptr<session_context> context_;
    tcp::acceptor acceptor_;
    const uint16_t port_; // kept, as the acceptor's own is gone once stop() closes it
    asio::steady_timer grace_;
    std::once_flag stopped_;
    std::atomic<bool> stop_requested_{false};
    std::thread thread_;
};

server::impl::impl(config::bounce_listener_config config, recipient_check accepts_recipient,
                   bounces::message_sink sink, metrics::registry& metrics)
    : keep_running_(asio::make_work_guard(io_)),
      context_(std::make_shared<session_context>(std::move(config), std::move(accepts_recipient),
                                                 std::move(sink), metrics)),
      acceptor_(open_acceptor(io_, context_->config)), port_(acceptor_.local_endpoint().port()),
      grace_(io_)
{
    asio::co_spawn(io_, accept_loop(), [](std::exception_ptr e) {
        if (e) {
            log::get("smtp_server")->critical("the bounce listener stopped accepting connections");
        }
    });
}

server::impl::~impl()
{
    // Sessions still open are destroyed with the context, after this body, and must not call
    // back.
    context_->connections.when_empty(nullptr);
}

asio::awaitable<void> server::impl::accept_loop()
{
    while (acceptor_.is_open()) {
        auto [ec, socket] = co_await acceptor_.async_accept(use_tuple);
        if (!ec) {
            // Only that connection is lost (its socket closes with the throw); accepting goes on.
            try {
                start_session(context_, std::move(socket));
            } catch (const std::exception& e) {
                log::get("smtp_server")->error("a session could not be started: {}", e.what());
            }
        } else if (ec != asio::error::operation_aborted) {
            co_await back_off(ec);
        }
    }
}

asio::awaitable<void> server::impl::back_off(boost::system::error_code ec)
{
    log::get("smtp_server")->warn("accepting a connection failed: {}", ec.message());
    asio::steady_timer pause(io_, accept_backoff);
    co_await pause.async_wait(use_tuple);
}

void server::impl::begin_shutdown(std::chrono::milliseconds grace)
{
    log::get("smtp_server")->info("stopping, {} sessions open", context_->connections.size());
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    grace_.expires_after(grace);
    grace_.async_wait([this](boost::system::error_code ec) {
        if (!ec) {
            log::get("smtp_server")
                ->warn("shutdown grace expired with {} sessions open",
                       context_->connections.size());
            stop_context();
        }
    });
    context_->connections.drain();
    context_->connections.when_empty([this] { stop_context(); });
}

void server::impl::stop_context()
{
    std::call_once(stopped_, [this] {
        keep_running_.reset();
        io_.stop();
    });
}

server::server(config::bounce_listener_config config, recipient_check accepts_recipient,
               bounces::message_sink sink, metrics::registry& metrics)
    : impl_(std::make_unique<impl>(std::move(config), std::move(accepts_recipient), std::move(sink),
                                   metrics))
{
    metrics.add_gauge("mailgate_bounce_smtp_connections", "Open bounce SMTP sessions",
                      [context = std::weak_ptr(impl_->context_)] {
                          auto c = context.lock();
                          return c ? static_cast<double>(c->connections.size()) : 0.0;
                      });
    const auto& c = impl_->context_->config;
    log::get("smtp_server")
        ->info("listening for bounce mail on {}:{}{}", c.address, port(),
               impl_->context_->tls ? " with STARTTLS" : "");
}

server::~server()
{
    stop();
}

uint16_t server::port() const noexcept
{
    return impl_->port_;
}

void server::start()
{
    if (impl_->thread_.joinable() || impl_->stop_requested_) {
        return;
    }
    impl_->thread_ = std::thread([impl = impl_.get()] {
        pthread_setname_np(pthread_self(), "mg-smtp");
        net::guarded_run(impl->io_, "smtp_server");
    });
}

void server::stop(std::chrono::milliseconds grace)
{
    if (impl_->stop_requested_.exchange(true)) {
        return;
    }
    if (!impl_->thread_.joinable()) {
        impl_->stop_context(); // never started: nothing to drain
        return;
    }
    asio::post(impl_->io_, [impl = impl_.get(), grace] { impl->begin_shutdown(grace); });
    impl_->thread_.join();
}

std::size_t server::connections() const
{
    return impl_->context_->connections.size();
}

} // namespace mailgate::core::smtp_server
