#pragma once

// One SMTP session with one server: connect, TLS, greeting, EHLO (HELO as a fallback),
// STARTTLS, AUTH, then transactions separated by RSET, then QUIT. Each wait has its own
// timeout from `smtp_timeouts`.

#include "core/net/socket_watchdog.hpp"
#include "core/outbound/smtp/envelope.hpp"
#include "core/outbound/smtp/send_outcome.hpp"
#include "core/outbound/smtp/smtp_capabilities.hpp"
#include "core/outbound/smtp/smtp_client_settings.hpp"
#include "core/outbound/smtp/smtp_reply_parser.hpp"
#include "core/outbound/smtp/transcript_line.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>

#include <array>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailgate::core::outbound::smtp {

struct smtp_data;

/// NOT thread-safe: every call from the executor given at construction, one call at a time.
/// LIFETIME: `transcript`, when given, outlives the connection.
class smtp_connection {
public:
    smtp_connection(boost::asio::any_io_executor executor,
                    std::shared_ptr<const smtp_client_settings> settings,
                    std::vector<transcript_line>* transcript = nullptr);
    ~smtp_connection();
    smtp_connection(const smtp_connection&) = delete;
    smtp_connection& operator=(const smtp_connection&) = delete;

    /// Connects and readies the session for a transaction (TLS, EHLO, AUTH as the settings
    /// ask). Nothing when it is ready, else why not.
    boost::asio::awaitable<std::optional<send_outcome>> open();

    /// One transaction: MAIL, RCPT, DATA (pipelined when offered) and the message, which is
    /// RFC 5322 text, `head` then `entity`, not dot-stuffed. After the first, RSET goes first,
    /// in the same pipelined write. An outcome at phase `reset_phase` means the session was no
    /// longer usable (the server closed it, or refused the RSET) before any of the message was
    /// sent. LIFETIME: the text outlives the call.
    boost::asio::awaitable<send_outcome> send(const envelope& env, std::string_view head,
                                              std::string_view entity = {});
    static constexpr std::string_view reset_phase = "rset";

    /// Nothing is awaited on the session until the next call (it is idle in a pool): its timeouts
    /// stop being watched, so that it holds no work on the executor and io_context::run can
    /// return.
    void rest() noexcept;

    /// QUIT, when the session is still usable, then closes. Never fails.
    boost::asio::awaitable<void> quit();

    /// Closes the socket at once: whatever is awaited on it fails as a connection error. For a
    /// stop that must not wait for a server's timeouts.
    void abort() noexcept;

    /// False after a connection error, a timeout, bytes that are not SMTP, or a 421.
    bool usable() const noexcept { return usable_; }
    /// Transactions started on this session, failed ones included.
    std::size_t transactions() const noexcept { return transactions_; }

private:
    struct failure;

    boost::asio::awaitable<void> connect();
    boost::asio::awaitable<void> connect_steps();
    boost::asio::awaitable<void> start_tls();
    boost::asio::awaitable<void> greet();
    boost::asio::awaitable<void> hello();
    boost::asio::awaitable<void> upgrade_to_tls();
    boost::asio::awaitable<void> authenticate();
    boost::asio::awaitable<void> auth_login();
    boost::asio::awaitable<smtp_reply> transaction(const envelope& env, std::string_view head,
                                                   std::string_view entity);
    std::string mail_command(const envelope& env, const smtp_data& data);
    boost::asio::awaitable<void> start_pipelined(bool reset, const std::string& mail,
                                                 const std::string& rcpt);
    boost::asio::awaitable<void> start_sequential(bool reset, const std::string& mail,
                                                  const std::string& rcpt);
    void expect_reset(const smtp_reply& reply);
    boost::asio::awaitable<void> transmit_data(const smtp_data& data);
    boost::asio::awaitable<void> abort_data();

    boost::asio::awaitable<smtp_reply>
    command(std::string_view line, std::chrono::milliseconds limit, std::string_view recorded = {});
    boost::asio::awaitable<smtp_reply> command(std::string_view line,
                                               std::string_view recorded = {});
    /// Sends `prefix` + `secret`, recorded as `prefix` + "****"; until authentication ends, a
    /// reply that echoes the secret shows "****" instead, in the transcript and in a failure.
    boost::asio::awaitable<smtp_reply> secret_command(std::string_view prefix,
                                                      std::string_view secret);
    void redact(std::string& text) const;
    boost::asio::awaitable<void> write(std::string_view bytes, std::chrono::milliseconds limit,
                                       std::string_view what);
    template <typename ConstBufferSequence>
    boost::asio::awaitable<void> write_all(const ConstBufferSequence& buffers,
                                           std::chrono::milliseconds limit, std::string_view what);
    boost::asio::awaitable<smtp_reply> read_reply(std::chrono::milliseconds limit,
                                                  std::string_view what);
    [[noreturn]] void fail_io(const boost::system::error_code& ec, std::string_view what,
                              std::chrono::milliseconds limit);

    void expect(const smtp_reply& reply, bool accepted);
    [[noreturn]] void fail_reply(const smtp_reply& reply);
    [[noreturn]] void fail(failure_class kind, std::string error, bool permanent = false);
    send_outcome outcome_of(failure_class kind, bool permanent, std::string error,
                            smtp_reply reply = {}) const;
    void record(char from, std::string text);
    void record_failure(const send_outcome& outcome);
    void close() noexcept;

    std::shared_ptr<const smtp_client_settings> settings_;
    std::vector<transcript_line>* transcript_;
    boost::asio::ip::tcp::socket socket_;
    std::optional<boost::asio::ssl::context> tls_context_;
    std::optional<boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>> tls_;
    std::array<char, 4096> read_buffer_{};
    smtp_reply_parser parser_;
    smtp_capabilities capabilities_;
    std::string phase_;
    std::vector<std::string> secrets_; // AUTH arguments sent, while authenticating
    std::string tls_version_, tls_cipher_;
    bool usable_ = false;
    std::size_t transactions_ = 0;
    bool started_ = false;          // a transaction was started: the next begins with RSET
    net::socket_watchdog watchdog_; // after socket_, which it watches
};

} // namespace mailgate::core::outbound::smtp
