#include "tests/unit/core/smtp_server/listener_harness.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/write.hpp>

#include <stdexcept>

namespace mailgate::core::smtp_server::test {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using boost::system::error_code;

bounces::message_sink scripted_sink::sink()
{
    return [this](std::string raw, std::string recipient, bounces::sink_done done) {
        {
            std::lock_guard lock(mutex_);
            messages_.push_back({std::move(raw), std::move(recipient)});
            if (mode_ == mode::manual) {
                unanswered_.push_back(done);
            }
        }
        arrived_.notify_all();
        switch (mode_) {
        case mode::handled:
            done({}, bounces::sink_outcome::handled);
            break;
        case mode::not_bounce:
            done({}, bounces::sink_outcome::not_bounce);
            break;
        case mode::fail:
            done(std::make_error_code(std::errc::io_error), bounces::sink_outcome::handled);
            break;
        case mode::throws:
            throw std::runtime_error("the sink failed");
        case mode::never:
        case mode::manual:
            break;
        }
    };
}

std::vector<received> scripted_sink::messages() const
{
    std::lock_guard lock(mutex_);
    return messages_;
}

bool scripted_sink::wait_for(std::size_t n, std::chrono::milliseconds limit)
{
    std::unique_lock lock(mutex_);
    return arrived_.wait_for(lock, limit, [&] { return messages_.size() >= n; });
}

void scripted_sink::answer(std::error_code ec)
{
    bounces::sink_done done;
    {
        std::lock_guard lock(mutex_);
        if (unanswered_.empty()) {
            throw std::logic_error("nothing to answer");
        }
        done = std::move(unanswered_.front());
        unanswered_.erase(unanswered_.begin());
    }
    done(ec, bounces::sink_outcome::handled);
}

bool is_test_bounce_address(std::string_view address)
{
    return address.starts_with("b-") && address.ends_with("@bounce.example");
}

config::bounce_listener_config test_config()
{
    config::bounce_listener_config c;
    c.port = 0;
    c.host_name = "listener.test";
    c.max_message_size = 64 * 1024;
    c.command_timeout = 5s;
    c.session_timeout = 30s;
    return c;
}

running_listener::running_listener(config::bounce_listener_config config, scripted_sink::mode mode)
    : sink_(mode), server_(std::move(config), is_test_bounce_address, sink_.sink(), metrics_)
{
    server_.start();
}

running_listener::~running_listener()
{
    server_.stop(1s);
}

uint64_t running_listener::counter(const std::string& name, const metrics::labels& labels)
{
    return metrics_.get_counter(name, "", labels).value();
}

smtp_client::smtp_client(uint16_t port) : socket_(io_)
{
    socket_.connect({asio::ip::make_address("127.0.0.1"), port});
}

void smtp_client::send(std::string_view bytes)
{
    if (tls_) {
        asio::write(*tls_, asio::buffer(bytes.data(), bytes.size()));
    } else {
        asio::write(socket_, asio::buffer(bytes.data(), bytes.size()));
    }
}

std::size_t smtp_client::read_some(char* data, std::size_t size, std::chrono::milliseconds limit,
                                   error_code& ec)
{
    std::size_t got = 0;
    bool done = false;
    auto handler = [&](error_code e, std::size_t n) {
        ec = e;
        got = n;
        done = true;
    };
    io_.restart();
    if (tls_) {
        tls_->async_read_some(asio::buffer(data, size), handler);
    } else {
        socket_.async_read_some(asio::buffer(data, size), handler);
    }
    io_.run_for(limit);
    if (!done) {
        socket_.cancel();
        io_.restart();
        io_.run();
        ec = asio::error::timed_out;
    }
    return got;
}

// A reply ends with its line "ddd " (a space, not a dash, after the code).
std::optional<std::size_t> reply_end(const std::string& buffer)
{
    std::size_t start = 0;
    for (auto lf = buffer.find('\n'); lf != std::string::npos; lf = buffer.find('\n', start)) {
        if (lf - start >= 4 && buffer[start + 3] == ' ') {
            return lf + 1;
        }
        if (lf - start == 4 && buffer[start + 3] == '\r') {
            return lf + 1;
        }
        start = lf + 1;
    }
    return std::nullopt;
}

std::string smtp_client::read_reply(std::chrono::milliseconds limit)
{
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
        if (const auto end = reply_end(buffer_)) {
            std::string reply = buffer_.substr(0, *end);
            buffer_.erase(0, *end);
            return reply;
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left <= 0ms) {
            throw std::runtime_error("no whole reply; got: " + buffer_);
        }
        char chunk[4096];
        error_code ec;
        const auto n = read_some(chunk, sizeof chunk, left, ec);
        if (ec) {
            throw std::runtime_error("no whole reply (" + ec.message() + "); got: " + buffer_);
        }
        buffer_.append(chunk, n);
    }
}

bool smtp_client::reply_within(std::chrono::milliseconds limit)
{
    if (!buffer_.empty()) {
        return true;
    }
    char chunk[4096];
    error_code ec;
    const auto n = read_some(chunk, sizeof chunk, limit, ec);
    buffer_.append(chunk, n);
    return !ec || ec != asio::error::timed_out;
}

std::string smtp_client::command(std::string_view line)
{
    send(std::string(line) + "\r\n");
    return read_reply();
}

std::optional<std::string> smtp_client::read_to_close(std::chrono::milliseconds limit)
{
    const auto deadline = std::chrono::steady_clock::now() + limit;
    std::string data = std::move(buffer_);
    buffer_.clear();
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left <= 0ms) {
            return std::nullopt;
        }
        char chunk[4096];
        error_code ec;
        const auto n = read_some(chunk, sizeof chunk, left, ec);
        data.append(chunk, n);
        if (ec == asio::error::timed_out) {
            return std::nullopt;
        }
        if (ec) {
            return data;
        }
    }
}

void smtp_client::start_tls()
{
    tls_context_.set_verify_mode(asio::ssl::verify_none);
    tls_.emplace(socket_, tls_context_);
    error_code result = asio::error::timed_out;
    io_.restart();
    tls_->async_handshake(asio::ssl::stream_base::client, [&](error_code ec) { result = ec; });
    io_.run_for(5s);
    if (result) {
        throw std::runtime_error("TLS handshake failed: " + result.message());
    }
}

std::string code_of(const std::string& reply)
{
    const auto last = reply.rfind('\n', reply.size() - 2);
    const auto line = reply.substr(last == std::string::npos ? 0 : last + 1);
    return line.substr(0, std::min<std::size_t>(9, line.find_first_of("\r\n")));
}

} // namespace mailgate::core::smtp_server::test
