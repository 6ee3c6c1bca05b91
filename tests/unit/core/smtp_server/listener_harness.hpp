#pragma once

// The bounce SMTP listener on its own thread for the length of a test, a sink the test
// scripts, and a plain SMTP client whose every wait is bounded, so that a misbehaving
// listener fails the test instead of hanging it.

#include "core/metrics/registry.hpp"
#include "core/smtp_server/server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace mailgate::core::smtp_server::test {

/// A message the sink was given.
struct received {
    std::string raw;
    std::string recipient;
};

/// Records what it is given and answers as `mode` says: at once (handled, not a bounce, or an
/// error), never, or when the test calls answer(). THREAD: any.
class scripted_sink {
public:
    enum class mode { handled, not_bounce, fail, never, manual, throws };

    explicit scripted_sink(mode m = mode::handled) : mode_(m) {}

    bounces::message_sink sink();
    std::vector<received> messages() const;
    /// Waits up to `limit` for `n` messages.
    bool wait_for(std::size_t n, std::chrono::milliseconds limit = std::chrono::seconds(5));
    /// Answers the oldest unanswered message of a manual sink.
    void answer(std::error_code ec = {});

private:
    mode mode_;
    mutable std::mutex mutex_;
    std::condition_variable arrived_;
    std::vector<received> messages_;
    std::vector<bounces::sink_done> unanswered_;
};

/// Takes b-<anything>@bounce.example only, as the host takes its signed return paths.
bool is_test_bounce_address(std::string_view address);

config::bounce_listener_config test_config();

class running_listener {
public:
    explicit running_listener(config::bounce_listener_config config = test_config(),
                              scripted_sink::mode mode = scripted_sink::mode::handled);
    ~running_listener();

    smtp_server::server& get() { return server_; }
    uint16_t port() const { return server_.port(); }
    scripted_sink& sink() { return sink_; }
    uint64_t counter(const std::string& name, const metrics::labels& labels = {});

private:
    metrics::registry metrics_;
    scripted_sink sink_;
    smtp_server::server server_;
};

class smtp_client {
public:
    explicit smtp_client(uint16_t port);

    void send(std::string_view bytes);
    /// One whole reply (its lines CR LF ended); throws when none comes within `limit`.
    std::string read_reply(std::chrono::milliseconds limit = std::chrono::seconds(5));
    /// Whether a reply (or anything) arrives within `limit`.
    bool reply_within(std::chrono::milliseconds limit);
    /// `line` CR LF, then its reply.
    std::string command(std::string_view line);
    /// Everything until the listener closes; nothing if still open after `limit`.
    std::optional<std::string>
    read_to_close(std::chrono::milliseconds limit = std::chrono::seconds(5));
    /// The client side of the handshake, trusting anything.
    void start_tls();

private:
    std::size_t read_some(char* data, std::size_t size, std::chrono::milliseconds limit,
                          boost::system::error_code& ec);

    boost::asio::io_context io_;
    boost::asio::ip::tcp::socket socket_;
    boost::asio::ssl::context tls_context_{boost::asio::ssl::context::tls_client};
    std::optional<boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>> tls_;
    std::string buffer_;
};

/// The reply's code and enhanced status: "250 2.1.5" of "250 2.1.5 Recipient OK\r\n".
std::string code_of(const std::string& reply);

} // namespace mailgate::core::smtp_server::test
