#include "tests/unit/support/raw_smtp_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/write.hpp>

#include <stdexcept>

namespace mailgate::testing {

namespace asio = boost::asio;

raw_smtp_client::raw_smtp_client(uint16_t port, const test_certificate* tls, std::string host)
    : stream_(io_, tls_context_)
{
    stream_.next_layer().connect({asio::ip::address_v4::loopback(), port});
    if (tls != nullptr) {
        handshake(*tls, host);
    }
}

void raw_smtp_client::send(std::string_view bytes)
{
    if (tls_) {
        asio::write(stream_, asio::buffer(bytes));
    } else {
        asio::write(stream_.next_layer(), asio::buffer(bytes));
    }
}

std::string raw_smtp_client::command(std::string_view line)
{
    send(std::string(line) + "\r\n");
    return reply();
}

std::string raw_smtp_client::reply(std::chrono::milliseconds timeout)
{
    auto text = try_reply(timeout);
    if (!text) {
        throw std::runtime_error("no SMTP reply");
    }
    return *text;
}

std::optional<std::string> raw_smtp_client::try_reply(std::chrono::milliseconds timeout)
{
    std::string text;
    for (;;) {
        std::string line;
        if (read_line(line, timeout) != read_result::line) {
            return std::nullopt;
        }
        text += text.empty() ? line : "\n" + line;
        // The last line of a reply has a space (or nothing) after its code, the others "-".
        if (line.size() < 4 || line[3] != '-') {
            return text;
        }
    }
}

bool raw_smtp_client::closed_by_server(std::chrono::milliseconds timeout)
{
    std::string ignored;
    return read_line(ignored, timeout) == read_result::closed;
}

void raw_smtp_client::start_tls(const test_certificate& trusted, const std::string& host)
{
    // What the server sent ahead of its 220 can only be plaintext garbage.
    buffer_.clear();
    handshake(trusted, host);
}

raw_smtp_client::read_result raw_smtp_client::read_line(std::string& line,
                                                        std::chrono::milliseconds timeout)
{
    auto result = read_result::timeout;
    auto done = [&](boost::system::error_code error, std::size_t size) {
        if (error) {
            result = read_result::closed;
            return;
        }
        line = buffer_.substr(0, size - 2);
        buffer_.erase(0, size);
        result = read_result::line;
    };
    if (tls_) {
        asio::async_read_until(stream_, asio::dynamic_buffer(buffer_), "\r\n", done);
    } else {
        asio::async_read_until(stream_.next_layer(), asio::dynamic_buffer(buffer_), "\r\n", done);
    }
    io_.restart();
    io_.run_for(timeout);
    if (result == read_result::timeout) {
        // Cancel the read and let it finish before `done` goes out of scope; it then reports
        // `closed`, which is not what happened.
        stream_.next_layer().cancel();
        io_.restart();
        io_.run();
        result = read_result::timeout;
    }
    return result;
}

void raw_smtp_client::handshake(const test_certificate& trusted, const std::string& host)
{
    tls_context_.load_verify_file(trusted.certificate.string());
    stream_.set_verify_mode(asio::ssl::verify_peer);
    stream_.set_verify_callback(asio::ssl::host_name_verification(host));
    if (!SSL_set_tlsext_host_name(stream_.native_handle(), host.c_str())) {
        throw std::runtime_error("SNI");
    }
    stream_.handshake(asio::ssl::stream_base::client);
    tls_ = true;
}

} // namespace mailgate::testing
