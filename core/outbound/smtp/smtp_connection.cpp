#include "core/outbound/smtp/smtp_connection.hpp"

#include "core/encoding/base64.hpp"
#include "core/net/socket_watchdog.hpp"
#include "core/outbound/smtp/smtp_data.hpp"
#include "core/outbound/smtp/tls_client_context.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <openssl/ssl.h>

#include <algorithm>
#include <exception>

namespace mailgate::core::outbound::smtp {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// co_await stands only in plain statements here, never in a condition or a ?: operand: g++ 12
// miscompiles some of those into coroutines that crash on their first resumption.
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// The message goes out in pieces, each under the data_block timeout, as RFC 5321 §4.5.3.2.5
// times each send rather than the whole message.
constexpr std::size_t data_chunk = 64 * 1024;

// Runs `op` for at most `limit`: false when the time ran out first and `op` was cancelled. Not
// the `||` of awaitable_operators: it waits for the first success, so an `op` that fails at
// once would still wait out the timer.
asio::awaitable<bool> within(std::chrono::milliseconds limit, asio::awaitable<void> op)
{
    const auto executor = co_await asio::this_coro::executor;
    asio::steady_timer timer(executor, limit);
    auto [order, error, timer_ec] =
        co_await asio::experimental::make_parallel_group(
            asio::co_spawn(executor, std::move(op), asio::deferred),
            timer.async_wait(asio::deferred))
            .async_wait(asio::experimental::wait_for_one(), asio::use_awaitable);
    if (order[0] != 0) {
        co_return false;
    }
    if (error) {
        std::rethrow_exception(error);
    }
    co_return true;
}

std::string format_duration(std::chrono::milliseconds d)
{
    return d.count() % 1000 == 0 ? std::to_string(d.count() / 1000) + " s"
                                 : std::to_string(d.count()) + " ms";
}

std::string_view verb_of(std::string_view line)
{
    return line.substr(0, line.find_first_of(" :"));
}

// Addresses are pasted into command lines: a control character or an angle bracket would let
// an address end the command or add parameters and commands of its own.
bool safe_in_command(std::string_view address)
{
    return std::none_of(address.begin(), address.end(), [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return byte < 0x20 || byte == 0x7f || c == '<' || c == '>';
    });
}

} // namespace

// Ends a session step early; the public entry points catch it and return its outcome.
struct smtp_connection::failure : std::exception {
    explicit failure(send_outcome outcome) : outcome(std::move(outcome)) {}
    const char* what() const noexcept override { return "SMTP session step failed"; }

    send_outcome outcome;
};

namespace {

// Timeouts after the connect are the watchdog's deadlines; the connect has its own (within()).
net::socket_watchdog::clock::duration watchdog_tick(const smtp_timeouts& t)
{
    return net::socket_watchdog::tick_for(
        {t.connect, t.greeting, t.command, t.data_init, t.data_block, t.data_end});
}

} // namespace

smtp_connection::smtp_connection(asio::any_io_executor executor,
                                 std::shared_ptr<const smtp_client_settings> settings,
                                 std::vector<transcript_line>* transcript)
    : settings_(std::move(settings)), transcript_(transcript), socket_(std::move(executor)),
      watchdog_(socket_, watchdog_tick(settings_->timeouts))
{
}

smtp_connection::~smtp_connection() = default;

void smtp_connection::rest() noexcept
{
    watchdog_.rest();
}

asio::awaitable<std::optional<send_outcome>> smtp_connection::open()
{
    std::optional<send_outcome> failed;
    try {
        co_await connect();
        if (settings_->scheme == smtp_scheme::smtps) {
            co_await start_tls();
        }
        co_await greet();
        co_await hello();
        co_await upgrade_to_tls();
        co_await authenticate();
    } catch (const failure& f) {
        failed = f.outcome;
    }
    if (failed) {
        record_failure(*failed);
        close();
    }
    co_return failed;
}

asio::awaitable<send_outcome> smtp_connection::send(const envelope& env, std::string_view head,
                                                    std::string_view entity)
{
    ++transactions_;
    send_outcome outcome;
    try {
        if (!usable_) {
            phase_ = "mail";
            fail(failure_class::connection_error, "the connection is closed");
        }
        const auto accepted = co_await transaction(env, head, entity);
        outcome = outcome_of(failure_class::none, false, {}, accepted);
        outcome.phase = "sent";
        outcome.provider_message_id = provider_message_id(accepted);
    } catch (const failure& f) {
        outcome = f.outcome;
        record_failure(outcome);
    }
    if (!usable_) {
        close();
    }
    co_return outcome;
}

asio::awaitable<void> smtp_connection::quit()
{
    if (usable_) {
        phase_ = "quit";
        try {
            co_await command("QUIT");
        } catch (const failure&) {
        }
    }
    close();
}

asio::awaitable<void> smtp_connection::connect()
{
    phase_ = "connect";
    const auto limit = settings_->timeouts.connect;
    const bool connected = co_await within(limit, connect_steps());
    if (!connected) {
        fail(failure_class::timeout, "could not connect to " + settings_->host + ":" +
                                         std::to_string(settings_->port) + " within " +
                                         format_duration(limit));
    }
}

// The resolver cannot be cancelled (getaddrinfo runs on a thread of its own), so a hung DNS
// lookup outlasts the connect timeout until the system resolver gives up.
asio::awaitable<void> smtp_connection::connect_steps()
{
    tcp::resolver resolver(socket_.get_executor());
    const auto [resolve_ec, endpoints] = co_await resolver.async_resolve(
        settings_->host, std::to_string(settings_->port), use_tuple);
    if (resolve_ec) {
        fail(failure_class::connection_error,
             "cannot resolve " + settings_->host + ": " + resolve_ec.message());
    }
    const auto [connect_ec, endpoint] = co_await asio::async_connect(socket_, endpoints, use_tuple);
    if (connect_ec) {
        fail(failure_class::connection_error, "cannot connect to " + settings_->host + ":" +
                                                  std::to_string(settings_->port) + ": " +
                                                  connect_ec.message());
    }
    // SMTP is small writes each waiting for a reply: without this, Nagle's algorithm holds a
    // write back until the previous one is acknowledged, and delayed ACKs make that 40 ms.
    boost::system::error_code ignored;
    socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
    usable_ = true;
    record('*', "connected to " + settings_->host + " (" + endpoint.address().to_string() +
                    ") port " + std::to_string(endpoint.port()));
}

void smtp_connection::abort() noexcept
{
    usable_ = false;
    boost::system::error_code ignored;
    socket_.close(ignored);
}

asio::awaitable<void> smtp_connection::start_tls()
{
    phase_ = "tls";
    try {
        tls_context_.emplace(make_tls_client_context(*settings_));
    } catch (const std::runtime_error& e) {
        fail(failure_class::connection_error, e.what());
    }
    tls_.emplace(socket_, *tls_context_);
    prepare_tls_client(*tls_, settings_->host, settings_->verify_tls);
    const auto limit = settings_->timeouts.connect;
    watchdog_.expire_after(limit);
    const auto [ec] = co_await tls_->async_handshake(asio::ssl::stream_base::client, use_tuple);
    if (ec && watchdog_.expired()) {
        fail(failure_class::timeout, "no TLS handshake within " + format_duration(limit));
    }
    if (ec) {
        fail(failure_class::connection_error, describe_tls_failure(*tls_, ec));
    }
    tls_version_ = SSL_get_version(tls_->native_handle());
    tls_cipher_ = SSL_get_cipher_name(tls_->native_handle());
    record('*', "TLS established: " + tls_version_ + " " + tls_cipher_);
}

asio::awaitable<void> smtp_connection::greet()
{
    phase_ = "greeting";
    const auto reply = co_await read_reply(settings_->timeouts.greeting, "no greeting");
    expect(reply, reply.kind() == 2);
}

asio::awaitable<void> smtp_connection::hello()
{
    phase_ = "ehlo";
    auto reply = co_await command("EHLO " + settings_->helo_name);
    if (reply.kind() == 2) {
        capabilities_ = smtp_capabilities::from_ehlo(reply);
        co_return;
    }
    if (reply.kind() != 5) {
        fail_reply(reply);
    }
    reply = co_await command("HELO " + settings_->helo_name);
    expect(reply, reply.kind() == 2);
    capabilities_ = smtp_capabilities{};
}

asio::awaitable<void> smtp_connection::upgrade_to_tls()
{
    const bool offered = capabilities_.has("STARTTLS");
    const bool wanted =
        settings_->scheme == smtp_scheme::starttls ||
        (settings_->scheme == smtp_scheme::smtp && settings_->opportunistic_starttls && offered);
    if (tls_ || !wanted) {
        co_return;
    }
    phase_ = "starttls";
    if (!offered) {
        fail(failure_class::connection_error,
             "the server does not offer STARTTLS, which the starttls scheme requires");
    }
    const auto reply = co_await command("STARTTLS");
    expect(reply, reply.kind() == 2);
    // Bytes that arrived with the 220 were sent in clear: reading them after the handshake as
    // if protected is the STARTTLS command injection (CVE-2011-0411).
    if (parser_.has_pending()) {
        fail(failure_class::connection_error, "the server sent data after its reply to STARTTLS");
    }
    co_await start_tls();
    co_await hello();
}

// PLAIN first: one round trip where LOGIN takes three, and no weaker (both rely on TLS).
asio::awaitable<void> smtp_connection::authenticate()
{
    if (settings_->username.empty()) {
        co_return;
    }
    phase_ = "auth";
    if (capabilities_.offers_auth("PLAIN")) {
        const auto token = encoding::base64_encode(std::string(1, '\0') + settings_->username +
                                                   '\0' + settings_->password);
        const auto reply = co_await secret_command("AUTH PLAIN ", token);
        expect(reply, reply.kind() == 2);
    } else if (capabilities_.offers_auth("LOGIN")) {
        co_await auth_login();
    } else {
        fail(failure_class::dispatch_failed,
             "the server offers neither AUTH PLAIN nor AUTH LOGIN on this connection", true);
    }
    secrets_.clear();
}

asio::awaitable<void> smtp_connection::auth_login()
{
    auto reply = co_await command("AUTH LOGIN");
    expect(reply, reply.code == 334);
    const auto username = encoding::base64_encode(settings_->username);
    reply = co_await secret_command("", username);
    expect(reply, reply.code == 334);
    const auto password = encoding::base64_encode(settings_->password);
    reply = co_await secret_command("", password);
    expect(reply, reply.kind() == 2);
}

asio::awaitable<smtp_reply> smtp_connection::transaction(const envelope& env, std::string_view head,
                                                         std::string_view entity)
{
    phase_ = "mail";
    if (!safe_in_command(env.from)) {
        fail(failure_class::invalid_address,
             "the sender address contains a control character or an angle bracket", true);
    }
    if (env.to.empty() || !safe_in_command(env.to)) {
        phase_ = "rcpt";
        fail(failure_class::invalid_address,
             "the recipient address is empty or contains a control character or an angle "
             "bracket",
             true);
    }
    const auto data = make_smtp_data(head, entity);
    const auto mail = mail_command(env, data);
    const auto rcpt = "RCPT TO:<" + env.to + ">";
    // Every transaction after the first starts with RSET, whatever became of the one before.
    const bool reset = std::exchange(started_, true);
    if (capabilities_.has("PIPELINING")) {
        co_await start_pipelined(reset, mail, rcpt);
    } else {
        co_await start_sequential(reset, mail, rcpt);
    }
    co_await transmit_data(data);
    phase_ = "data_end";
    const auto reply =
        co_await read_reply(settings_->timeouts.data_end, "no reply to the end of the message");
    expect(reply, reply.kind() == 2);
    co_return reply;
}

std::string smtp_connection::mail_command(const envelope& env, const smtp_data& data)
{
    std::string line = "MAIL FROM:<" + env.from + ">";
    if (const auto limit = capabilities_.size_limit(); limit && data.message_size > *limit) {
        fail(failure_class::dispatch_failed,
             "the message of " + std::to_string(data.message_size) +
                 " bytes is over the server's limit of " + std::to_string(*limit) + " bytes",
             true);
    }
    if (capabilities_.has("SIZE")) {
        line += " SIZE=" + std::to_string(data.message_size);
    }
    if (data.eight_bit && capabilities_.has("8BITMIME")) {
        line += " BODY=8BITMIME";
    }
    if (env.smtputf8) {
        if (!capabilities_.has("SMTPUTF8")) {
            fail(failure_class::dispatch_failed,
                 "the message needs SMTPUTF8, which the server does not offer", true);
        }
        line += " SMTPUTF8";
    }
    return line;
}

// RFC 2920: the replies come in order, RSET's first. When MAIL or RCPT was refused but DATA
// still got a 354, an empty message is ended so that the session stays usable.
asio::awaitable<void> smtp_connection::start_pipelined(bool reset, const std::string& mail,
                                                       const std::string& rcpt)
{
    const auto& timeouts = settings_->timeouts;
    std::string commands;
    if (reset) {
        phase_ = reset_phase;
        record('C', "RSET");
        commands = "RSET\r\n";
    }
    commands.append(mail).append("\r\n").append(rcpt).append("\r\nDATA\r\n");
    record('C', mail);
    record('C', rcpt);
    record('C', "DATA");
    const std::string_view unsent = reset ? "could not send RSET" : "could not send MAIL";
    co_await write(commands, timeouts.command, unsent);
    if (reset) {
        const auto reset_reply = co_await read_reply(timeouts.command, "no reply to RSET");
        expect_reset(reset_reply);
        phase_ = "mail";
    }
    // After a 421 the server closes: no further replies will come.
    const auto mail_reply = co_await read_reply(timeouts.command, "no reply to MAIL");
    expect(mail_reply, mail_reply.code != 421);
    phase_ = "rcpt";
    const auto rcpt_reply = co_await read_reply(timeouts.command, "no reply to RCPT");
    expect(rcpt_reply, rcpt_reply.code != 421);
    phase_ = "data";
    const auto data_reply = co_await read_reply(timeouts.data_init, "no reply to DATA");
    const bool refused = mail_reply.kind() != 2 || rcpt_reply.kind() != 2;
    if (refused && data_reply.code == 354) {
        co_await abort_data();
    }
    if (mail_reply.kind() != 2) {
        phase_ = "mail";
        fail_reply(mail_reply);
    }
    if (rcpt_reply.kind() != 2) {
        phase_ = "rcpt";
        fail_reply(rcpt_reply);
    }
    expect(data_reply, data_reply.code == 354);
}

asio::awaitable<void> smtp_connection::start_sequential(bool reset, const std::string& mail,
                                                        const std::string& rcpt)
{
    if (reset) {
        phase_ = reset_phase;
        const auto reset_reply = co_await command("RSET");
        expect_reset(reset_reply);
        phase_ = "mail";
    }
    auto reply = co_await command(mail);
    expect(reply, reply.kind() == 2);
    phase_ = "rcpt";
    reply = co_await command(rcpt);
    expect(reply, reply.kind() == 2);
    phase_ = "data";
    reply = co_await command("DATA", settings_->timeouts.data_init);
    expect(reply, reply.code == 354);
}

// A session whose RSET is refused is in a state the two sides may not agree on: not reused.
void smtp_connection::expect_reset(const smtp_reply& reply)
{
    if (reply.kind() != 2) {
        usable_ = false;
        fail_reply(reply);
    }
}

asio::awaitable<void> smtp_connection::transmit_data(const smtp_data& data)
{
    record('C', "<" + std::to_string(data.message_size) + " bytes>");
    // A block at a time, each under the data-block timeout; a block's pieces (the head, the
    // shared entity, the end) go in one gather write.
    std::vector<asio::const_buffer> block;
    std::size_t block_size = 0;
    for (auto piece : data.wire()) {
        while (!piece.empty()) {
            const auto size = std::min(piece.size(), data_chunk - block_size);
            block.emplace_back(piece.data(), size);
            block_size += size;
            piece.remove_prefix(size);
            if (block_size == data_chunk) {
                co_await write_all(block, settings_->timeouts.data_block,
                                   "could not send the message");
                block.clear();
                block_size = 0;
            }
        }
    }
    if (!block.empty()) {
        co_await write_all(block, settings_->timeouts.data_block, "could not send the message");
    }
}

asio::awaitable<void> smtp_connection::abort_data()
{
    record('C', ".");
    co_await write(".\r\n", settings_->timeouts.data_block, "could not send the message");
    co_await read_reply(settings_->timeouts.data_end, "no reply to the end of the message");
}

asio::awaitable<smtp_reply> smtp_connection::command(std::string_view line,
                                                     std::string_view recorded)
{
    co_return co_await command(line, settings_->timeouts.command, recorded);
}

asio::awaitable<smtp_reply> smtp_connection::command(std::string_view line,
                                                     std::chrono::milliseconds limit,
                                                     std::string_view recorded)
{
    record('C', std::string(recorded.empty() ? line : recorded));
    // The lines of AUTH LOGIN are credentials, not verbs.
    const std::string verb(phase_ == "auth" ? "AUTH" : verb_of(line));
    // Named, not temporaries in the co_await expressions: GCC 12 destroys those twice.
    const std::string bytes = std::string(line) + "\r\n";
    const std::string unsent = "could not send " + verb;
    co_await write(bytes, limit, unsent);
    const std::string unanswered = "no reply to " + verb;
    co_return co_await read_reply(limit, unanswered);
}

asio::awaitable<smtp_reply> smtp_connection::secret_command(std::string_view prefix,
                                                            std::string_view secret)
{
    const std::string line = std::string(prefix) + std::string(secret);
    const std::string recorded = std::string(prefix) + "****";
    if (!secret.empty()) {
        secrets_.emplace_back(secret);
    }
    co_return co_await command(line, recorded);
}

// A server that echoes what it was sent would show the credentials wherever replies go.
void smtp_connection::redact(std::string& text) const
{
    static constexpr std::string_view marker = "****";
    for (const auto& secret : secrets_) {
        for (auto at = text.find(secret); at != std::string::npos;
             at = text.find(secret, at + marker.size())) {
            text.replace(at, secret.size(), marker);
        }
    }
}

asio::awaitable<void> smtp_connection::write(std::string_view bytes,
                                             std::chrono::milliseconds limit, std::string_view what)
{
    const auto buffer = asio::buffer(bytes);
    co_await write_all(buffer, limit, what);
}

template <typename ConstBufferSequence>
asio::awaitable<void> smtp_connection::write_all(const ConstBufferSequence& buffers,
                                                 std::chrono::milliseconds limit,
                                                 std::string_view what)
{
    watchdog_.expire_after(limit);
    auto write = tls_ ? asio::async_write(*tls_, buffers, use_tuple)
                      : asio::async_write(socket_, buffers, use_tuple);
    const auto [ec, written] = co_await std::move(write);
    if (ec) {
        fail_io(ec, what, limit);
    }
}

asio::awaitable<smtp_reply> smtp_connection::read_reply(std::chrono::milliseconds limit,
                                                        std::string_view what)
{
    watchdog_.expire_after(limit);
    for (;;) {
        std::optional<smtp_reply> reply;
        try {
            reply = parser_.next();
        } catch (const smtp_protocol_error& e) {
            fail(failure_class::connection_error, e.what());
        }
        if (reply) {
            for (auto line : parser_.raw_lines()) {
                redact(line);
                record('S', std::move(line));
            }
            for (auto& line : reply->lines) {
                redact(line);
            }
            // 421: the server is closing the session, whatever the command was.
            usable_ = usable_ && reply->code != 421;
            co_return std::move(*reply);
        }
        auto read = tls_ ? tls_->async_read_some(asio::buffer(read_buffer_), use_tuple)
                         : socket_.async_read_some(asio::buffer(read_buffer_), use_tuple);
        const auto [ec, n] = co_await std::move(read);
        if (ec) {
            fail_io(ec, what, limit);
        }
        parser_.feed({read_buffer_.data(), n});
    }
}

// `what` names the wait, for a timeout: "no reply to MAIL within 5 min".
void smtp_connection::fail_io(const boost::system::error_code& ec, std::string_view what,
                              std::chrono::milliseconds limit)
{
    if (watchdog_.expired()) {
        fail(failure_class::timeout, std::string(what) + " within " + format_duration(limit));
    }
    // Over TLS, a server that closes without close_notify truncates the stream.
    const bool closed = ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
    fail(failure_class::connection_error,
         closed ? "the server closed the connection" : "connection lost: " + ec.message());
}

void smtp_connection::expect(const smtp_reply& reply, bool accepted)
{
    if (!accepted) {
        fail_reply(reply);
    }
}

// A positive reply where a refusal or another positive reply was due leaves the two sides
// disagreeing about the state of the session, which then is not reused.
void smtp_connection::fail_reply(const smtp_reply& reply)
{
    if (reply.kind() != 4 && reply.kind() != 5) {
        usable_ = false;
    }
    const auto [kind, permanent] = classify(reply, phase_);
    throw failure(outcome_of(kind, permanent, {}, reply));
}

void smtp_connection::fail(failure_class kind, std::string error, bool permanent)
{
    if (kind == failure_class::connection_error || kind == failure_class::timeout) {
        usable_ = false;
    }
    throw failure(outcome_of(kind, permanent, std::move(error)));
}

send_outcome smtp_connection::outcome_of(failure_class kind, bool permanent, std::string error,
                                         smtp_reply reply) const
{
    send_outcome outcome;
    outcome.failure = kind;
    outcome.permanent = permanent;
    outcome.phase = phase_;
    outcome.reply = std::move(reply);
    outcome.error = std::move(error);
    outcome.tls_version = tls_version_;
    outcome.tls_cipher = tls_cipher_;
    return outcome;
}

void smtp_connection::record(char from, std::string text)
{
    if (transcript_ != nullptr) {
        transcript_->push_back(transcript_line{from, std::move(text)});
    }
}

void smtp_connection::record_failure(const send_outcome& outcome)
{
    record('*', "failed at " + outcome.phase + ": " +
                    (outcome.error.empty() ? outcome.reply.str() : outcome.error));
}

void smtp_connection::close() noexcept
{
    usable_ = false;
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
}

} // namespace mailgate::core::outbound::smtp
