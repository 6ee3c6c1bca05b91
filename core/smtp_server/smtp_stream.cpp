#include "core/smtp_server/smtp_stream.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <tuple>

namespace mailgate::core::smtp_server {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

} // namespace

smtp_stream::smtp_stream(asio::ip::tcp::socket socket) : socket_(std::move(socket)) {}

asio::awaitable<std::pair<error_code, std::size_t>> smtp_stream::read_some(std::span<char> buffer)
{
    const auto b = asio::buffer(buffer.data(), buffer.size());
    // Two statements, not a conditional: GCC 12 mishandles co_await inside one.
    if (tls_) {
        auto [ec, n] = co_await tls_->async_read_some(b, use_tuple);
        co_return std::pair{ec, n};
    }
    auto [ec, n] = co_await socket_.async_read_some(b, use_tuple);
    co_return std::pair{ec, n};
}

asio::awaitable<error_code> smtp_stream::write(std::string_view bytes)
{
    const auto b = asio::buffer(bytes.data(), bytes.size());
    if (tls_) {
        auto [ec, n] = co_await asio::async_write(*tls_, b, use_tuple);
        co_return ec;
    }
    auto [ec, n] = co_await asio::async_write(socket_, b, use_tuple);
    co_return ec;
}

asio::awaitable<error_code> smtp_stream::start_tls(asio::ssl::context& context)
{
    tls_.emplace(socket_, context);
    auto [ec] = co_await tls_->async_handshake(asio::ssl::stream_base::server, use_tuple);
    co_return ec;
}

asio::awaitable<void> smtp_stream::shutdown()
{
    if (tls_) {
        co_await tls_->async_shutdown(use_tuple);
        co_return;
    }
    error_code ec;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
    std::array<char, 4096> discard;
    while (!ec) {
        std::tie(ec, std::ignore) =
            co_await socket_.async_read_some(asio::buffer(discard), use_tuple);
    }
}

} // namespace mailgate::core::smtp_server
