#include "tests/support/smtp_test_server.hpp"

#include "tests/support/smtp_server_state.hpp"
#include "tests/support/smtp_session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <thread>

namespace mailgate::testing {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

smtp_server_options with_certificate(smtp_server_options options)
{
    if (options.mode != smtp_mode::plain && !options.certificate) {
        options.certificate = make_test_certificate();
    }
    return options;
}

asio::ssl::context make_tls_context(const smtp_server_options& options)
{
    asio::ssl::context context(asio::ssl::context::tls_server);
    if (options.certificate) {
        context.use_certificate_chain_file(options.certificate->certificate.string());
        context.use_private_key_file(options.certificate->private_key.string(),
                                     asio::ssl::context::pem);
    }
    return context;
}

} // namespace

// The order of the members is the order of destruction backwards: the io_context goes before
// what its suspended sessions refer to, and takes them (and their sockets) with it.
struct smtp_test_server::impl {
    explicit impl(smtp_server_options options);
    ~impl();

    asio::awaitable<void> accept_loop();

    const smtp_server_options options_;
    asio::ssl::context tls_;
    smtp_server_state state_;
    asio::io_context io_;
    tcp::acceptor acceptor_;
    const uint16_t port_;
    std::thread thread_;
};

smtp_test_server::impl::impl(smtp_server_options options)
    : options_(with_certificate(std::move(options))), tls_(make_tls_context(options_)),
      acceptor_(io_, tcp::endpoint(asio::ip::address_v4::loopback(), 0)),
      port_(acceptor_.local_endpoint().port())
{
    asio::co_spawn(io_, accept_loop(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
}

smtp_test_server::impl::~impl()
{
    io_.stop();
    thread_.join();
}

asio::awaitable<void> smtp_test_server::impl::accept_loop()
{
    for (;;) {
        auto [error, socket] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
        if (error == asio::error::operation_aborted) {
            co_return;
        }
        if (!error) {
            // Replies to pipelined commands go out one write each; without this, Nagle's
            // algorithm holds each back until the previous one is acknowledged (40 ms).
            boost::system::error_code ignored;
            socket.set_option(asio::ip::tcp::no_delay(true), ignored);
            asio::co_spawn(io_, serve_smtp_session(std::move(socket), options_, tls_, state_),
                           asio::detached);
        }
    }
}

smtp_test_server::smtp_test_server(smtp_server_options options)
    : impl_(std::make_unique<impl>(std::move(options)))
{
}

smtp_test_server::~smtp_test_server() = default;

uint16_t smtp_test_server::port() const
{
    return impl_->port_;
}

void smtp_test_server::inject(smtp_phase phase, smtp_fault fault)
{
    impl_->state_.inject(phase, std::move(fault));
}

void smtp_test_server::clear_faults()
{
    impl_->state_.clear_faults();
}

void smtp_test_server::reject_recipient(std::string address, std::string reply)
{
    impl_->state_.reject_recipient(std::move(address), std::move(reply));
}

std::vector<received_message> smtp_test_server::messages() const
{
    return impl_->state_.messages();
}

bool smtp_test_server::wait_for_messages(std::size_t count, std::chrono::milliseconds timeout) const
{
    return impl_->state_.wait_for_messages(count, timeout);
}

std::size_t smtp_test_server::connections_accepted() const
{
    return impl_->state_.connections_accepted();
}

std::size_t smtp_test_server::command_count(std::string_view verb) const
{
    return impl_->state_.command_count(verb);
}

std::size_t smtp_test_server::pipelined_count(std::string_view verb) const
{
    return impl_->state_.pipelined_count(verb);
}

std::vector<std::string> smtp_test_server::transcript() const
{
    return impl_->state_.transcript();
}

} // namespace mailgate::testing
