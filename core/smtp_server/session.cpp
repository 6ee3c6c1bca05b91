#include "core/smtp_server/session.hpp"

#include "core/log/log.hpp"
#include "core/net/socket_watchdog.hpp"
#include "core/smtp_server/data_reader.hpp"
#include "core/smtp_server/line_reader.hpp"
#include "core/smtp_server/reply_text.hpp"
#include "core/smtp_server/sink_call.hpp"
#include "core/smtp_server/smtp_command.hpp"
#include "core/smtp_server/smtp_stream.hpp"

#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <fmt/format.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <vector>

namespace mailgate::core::smtp_server {
namespace {

namespace asio = boost::asio;
using clock = net::socket_watchdog::clock;
using boost::system::error_code;

// RFC 5321 §4.5.3.1.4 gives commands 512 octets; the parameters of SIZE, BODY and SMTPUTF8 and
// a 256-octet path lengthen MAIL, so twice that.
constexpr std::size_t max_command_line = 1024;
// Text lines: 1000 octets by RFC 5321 §4.5.3.1.6, but MTAs quoting HTML in a bounce send longer
// ones; lenient, and still bounded.
constexpr std::size_t max_text_line = 64 * 1024;
// A client that keeps sending what fails (junk, refused recipients) is let go, as Postfix does.
constexpr int max_errors = 20;
// The most the last reply and the close may take once the session is over.
constexpr std::chrono::seconds linger{1};

std::string machine_host_name()
{
    char name[256] = {};
    if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') {
        return "localhost";
    }
    return name;
}

asio::ssl::context make_tls_context(const config::bounce_listener_config& c)
{
    asio::ssl::context context(asio::ssl::context::tls_server);
    SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_2_VERSION);
    context.set_options(asio::ssl::context::default_workarounds |
                        asio::ssl::context::no_compression);
    error_code ec;
    context.use_certificate_chain_file(c.tls_certificate.string(), ec);
    if (ec) {
        throw std::runtime_error("cannot load the TLS certificate chain " +
                                 c.tls_certificate.string() + ": " + ec.message());
    }
    context.use_private_key_file(c.tls_private_key.string(), asio::ssl::context::pem, ec);
    if (ec) {
        throw std::runtime_error("cannot load the TLS private key " + c.tls_private_key.string() +
                                 ": " + ec.message());
    }
    return context;
}

metrics::counter& rejected_counter(metrics::registry& metrics, const char* reason)
{
    return metrics.get_counter("mailgate_bounce_smtp_rejected_total",
                               "Connections the bounce SMTP listener ended, by reason",
                               {{"reason", reason}});
}

struct transaction {
    std::optional<mail_from> mail;
    std::vector<std::string> recipients;
};

class session final : public net::connection, public std::enable_shared_from_this<session> {
public:
    session(std::shared_ptr<session_context> context, asio::ip::tcp::socket socket);
    ~session() override { context_->connections.remove(this); }

    asio::awaitable<void> run();
    void drain() override;

private:
    const config::bounce_listener_config& config() const { return context_->config; }

    asio::awaitable<void> greet_or_refuse(net::connection_registry::admission admitted);
    asio::awaitable<bool> serve_next();
    asio::awaitable<bool> execute(const command& c, bool crlf);
    asio::awaitable<std::optional<line>> read_line(std::size_t limit, bool command);
    asio::awaitable<bool> fill(bool command);
    asio::awaitable<bool> flush();
    asio::awaitable<void> say_goodbye(std::string_view reply);
    asio::awaitable<void> close();
    clock::duration time_left() const;

    bool reply(std::string_view text);
    bool refuse(std::string_view text);
    void hello(const command& c, bool esmtp);
    asio::awaitable<bool> start_tls(const command& c);
    void mail(const command& c);
    void rcpt(const command& c);
    std::optional<bool> accepts(const std::string& address) const;
    asio::awaitable<bool> data(const command& c, bool crlf);
    asio::awaitable<void> deliver(std::string message);
    bool refuse_argument(const argument_error& e);

    smtp_stream stream_;
    std::shared_ptr<session_context> context_;
    std::string remote_;
    line_reader reader_;
    net::socket_watchdog watchdog_;
    const clock::time_point session_end_;
    std::string out_;                 // replies not yet written: pipelined ones go together
    std::optional<std::string> helo_; // the client's name, once it gave one
    transaction transaction_;
    int errors_ = 0;
    bool idle_ = false;     // waiting for a command; touched only on the executor
    bool draining_ = false; // the listener is stopping; touched only on the executor
};

session::session(std::shared_ptr<session_context> context, asio::ip::tcp::socket socket)
    : stream_(std::move(socket)), context_(std::move(context)),
      watchdog_(stream_.socket(), net::socket_watchdog::tick_for({context_->config.command_timeout,
                                                                  context_->config.session_timeout,
                                                                  clock::duration(linger)})),
      session_end_(clock::now() + context_->config.session_timeout)
{
    error_code ec;
    remote_ = stream_.socket().remote_endpoint(ec).address().to_string();
}

asio::awaitable<void> session::run()
{
    const auto admitted = context_->connections.add(shared_from_this(), config().max_connections);
    if (admitted != net::connection_registry::admission::admitted) {
        co_await greet_or_refuse(admitted);
        co_await close();
        co_return;
    }
    context_->counters.sessions.add();
    reply(fmt::format("220 {} ESMTP mailgate", context_->host_name));
    while (co_await serve_next()) {
    }
    co_await close();
}

asio::awaitable<void> session::greet_or_refuse(net::connection_registry::admission admitted)
{
    if (admitted == net::connection_registry::admission::full) {
        context_->counters.overloaded.add();
        co_await say_goodbye("421 4.3.2 Too many connections, try again later");
    } else {
        co_await say_goodbye("421 4.3.2 Service shutting down, try again later");
    }
}

void session::drain()
{
    asio::post(stream_.socket().get_executor(), [self = shared_from_this()] {
        self->draining_ = true;
        if (self->idle_) {
            error_code ignored;
            self->stream_.socket().cancel(ignored);
        }
    });
}

asio::awaitable<bool> session::serve_next()
{
    auto l = co_await read_line(max_command_line, true);
    if (!l) {
        co_return false;
    }
    if (l->too_long) {
        co_return refuse("500 5.5.2 Line too long");
    }
    const command c = parse_command(l->text);
    co_return co_await execute(c, l->crlf);
}

asio::awaitable<bool> session::execute(const command& c, bool crlf)
{
    const bool no_argument = c.argument.empty();
    switch (c.verb) {
    case verb::ehlo:
    case verb::helo:
        hello(c, c.verb == verb::ehlo);
        co_return true;
    case verb::starttls:
        if (!no_argument) {
            co_return refuse("501 5.5.4 Syntax: STARTTLS");
        }
        co_return co_await start_tls(c);
    case verb::mail:
        mail(c);
        co_return errors_ <= max_errors;
    case verb::rcpt:
        rcpt(c);
        co_return errors_ <= max_errors;
    case verb::data:
        if (!no_argument) {
            co_return refuse("501 5.5.4 Syntax: DATA");
        }
        co_return co_await data(c, crlf);
    case verb::rset:
        transaction_ = {};
        co_return reply("250 2.0.0 OK");
    case verb::noop:
        co_return reply("250 2.0.0 OK");
    case verb::quit:
        co_await say_goodbye("221 2.0.0 Bye");
        co_return false;
    case verb::vrfy:
        co_return reply("252 2.0.0 Cannot VRFY; send mail to find out");
    case verb::help:
        co_return reply("214 2.0.0 Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP" +
                        std::string(context_->tls ? " STARTTLS" : ""));
    case verb::unknown:
        break;
    }
    co_return refuse("502 5.5.1 Command not recognized");
}

// Always true: the reply is queued, and written before the next wait for the client.
bool session::reply(std::string_view text)
{
    out_.append(text);
    out_.append("\r\n");
    return true;
}

// A reply to a command that failed. False, after the farewell queued, when the client has
// failed too often.
bool session::refuse(std::string_view text)
{
    reply(text);
    if (++errors_ <= max_errors) {
        return true;
    }
    context_->counters.too_many_errors.add();
    reply("421 4.7.0 Too many errors, closing");
    return false;
}

bool session::refuse_argument(const argument_error& e)
{
    const char* code = e.what == argument_error::unknown_parameter ? "555" : "501";
    return refuse(fmt::format("{} 5.5.4 {}", code, e.reason));
}

void session::hello(const command& c, bool esmtp)
{
    const auto name = parse_helo_name(c.argument);
    if (!name) {
        refuse(esmtp ? "501 5.5.4 Syntax: EHLO hostname" : "501 5.5.4 Syntax: HELO hostname");
        return;
    }
    helo_ = std::string(*name);
    transaction_ = {};
    if (esmtp) {
        out_ += ehlo_reply(context_->host_name, config().max_message_size,
                           context_->tls && !stream_.tls());
    } else {
        reply(fmt::format("250 {}", context_->host_name));
    }
}

// RFC 3207: what the client pipelined behind STARTTLS is dropped unread (it came in the clear,
// where anyone could have put it), and the session starts again from before EHLO.
asio::awaitable<bool> session::start_tls(const command&)
{
    if (!context_->tls) {
        co_return refuse("502 5.5.1 Command not recognized");
    }
    if (stream_.tls()) {
        co_return refuse("503 5.5.1 TLS already active");
    }
    if (!helo_) {
        co_return refuse("503 5.5.1 Send EHLO first");
    }
    reply("220 2.0.0 Ready to start TLS");
    if (!co_await flush()) {
        co_return false;
    }
    reader_.clear();
    watchdog_.expire_after(time_left());
    const auto ec = co_await stream_.start_tls(*context_->tls);
    if (ec) {
        log::get("smtp_server")->info("TLS handshake with {} failed: {}", remote_, ec.message());
        co_return false;
    }
    helo_.reset();
    transaction_ = {};
    co_return true;
}

void session::mail(const command& c)
{
    if (!helo_) {
        refuse("503 5.5.1 Send EHLO or HELO first");
        return;
    }
    if (transaction_.mail) {
        refuse("503 5.5.1 Nested MAIL command");
        return;
    }
    auto parsed = parse_mail_from(c.argument);
    if (const auto* e = std::get_if<argument_error>(&parsed)) {
        refuse_argument(*e);
        return;
    }
    auto& m = std::get<mail_from>(parsed);
    if (m.size && *m.size > config().max_message_size) {
        refuse("552 5.3.4 Message size exceeds the fixed maximum message size");
        return;
    }
    transaction_.mail = std::move(m);
    reply("250 2.1.0 Sender OK");
}

// The host's check; nothing when it threw (its fault, not the client's).
std::optional<bool> session::accepts(const std::string& address) const
{
    try {
        return context_->accepts_recipient(address);
    } catch (const std::exception& e) {
        log::get("smtp_server")->error("the recipient check failed: {}", e.what());
    } catch (...) {
        log::get("smtp_server")->error("the recipient check failed: non-standard exception");
    }
    return std::nullopt;
}

// It is not a relay and not a backscatter target: only the addresses the host recognises (its
// signed return paths) are taken.
void session::rcpt(const command& c)
{
    if (!transaction_.mail) {
        refuse("503 5.5.1 Need MAIL command");
        return;
    }
    if (transaction_.recipients.size() >= config().max_recipients) {
        refuse("452 4.5.3 Too many recipients");
        return;
    }
    auto parsed = parse_rcpt_to(c.argument);
    if (const auto* e = std::get_if<argument_error>(&parsed)) {
        refuse_argument(*e);
        return;
    }
    auto& address = std::get<rcpt_to>(parsed).forward_path;
    const auto accepted = accepts(address);
    if (!accepted) {
        reply("451 4.3.0 Cannot check the recipient now, try again later");
        return;
    }
    if (!*accepted) {
        context_->counters.rcpt_refused.add();
        refuse("550 5.1.1 Recipient address rejected: not a bounce address of this host");
        return;
    }
    if (std::find(transaction_.recipients.begin(), transaction_.recipients.end(), address) ==
        transaction_.recipients.end()) {
        transaction_.recipients.push_back(std::move(address));
    }
    reply("250 2.1.5 Recipient OK");
}

asio::awaitable<bool> session::data(const command&, bool crlf)
{
    if (!transaction_.mail) {
        co_return refuse("503 5.5.1 Need MAIL command");
    }
    if (transaction_.recipients.empty()) {
        co_return refuse("554 5.5.1 No valid recipients");
    }
    reply("354 End data with <CR><LF>.<CR><LF>");
    data_reader message(config().max_message_size, crlf);
    for (;;) {
        auto l = co_await read_line(max_text_line, false);
        if (!l) {
            co_return false; // gone or timed out: nothing was accepted
        }
        if (message.add(*l)) {
            break;
        }
    }
    if (message.too_large()) {
        context_->counters.messages.with({"too_large"}).add();
        transaction_ = {};
        co_return refuse("552 5.3.4 Message too big for system");
    }
    if (message.line_too_long()) {
        context_->counters.messages.with({"line_too_long"}).add();
        transaction_ = {};
        co_return refuse("500 5.5.2 Line too long");
    }
    std::string received = message.take();
    co_await deliver(std::move(received));
    transaction_ = {};
    co_return true;
}

// Once per recipient (in practice a bounce has one), one after the other so that one copy of
// the message is in flight at a time; 250 only once every one is durable. A failure stops there
// and asks the sender to retry them all (451): the sink takes a repeat of what it stored.
asio::awaitable<void> session::deliver(std::string message)
{
    const auto& mail = *transaction_.mail;
    std::string raw = trace_header({mail.reverse_path, *helo_, remote_, context_->host_name,
                                    stream_.tls(), std::chrono::system_clock::now()});
    raw += message;
    message = {};
    watchdog_.suspend(); // the sink's time is not the client's
    sink_result result;
    auto& recipients = transaction_.recipients;
    for (std::size_t i = 0; i < recipients.size() && !result.ec; ++i) {
        // Named, not temporaries of the co_await's full expression: GCC 12 destroys those
        // twice (a double free).
        std::string copy = i + 1 == recipients.size() ? std::move(raw) : raw;
        std::string recipient = recipients[i];
        result = co_await call_sink(context_->sink, std::move(copy), std::move(recipient),
                                    config().command_timeout);
    }
    const bool handled = result.outcome == bounces::sink_outcome::handled;
    const char* what = result.ec ? "sink_error" : handled ? "handled" : "not_bounce";
    context_->counters.messages.with({what}).add();
    log::write(*log::get("smtp_server"), result.ec ? spdlog::level::warn : spdlog::level::info,
               "bounce message received",
               {{"remote", remote_},
                {"recipient", recipients.front()},
                {"result", what},
                {"error", result.ec ? result.ec.message() : std::string()}});
    reply(result.ec ? "451 4.3.0 Temporary failure, try again later"
                    : "250 2.0.0 Message accepted");
}

// The next line; flushes the queued replies first when it has to wait for the client. Nothing
// when the session is over: the client left, timed out or the listener is stopping (its 421
// then sent).
asio::awaitable<std::optional<line>> session::read_line(std::size_t limit, bool command)
{
    for (;;) {
        if (auto l = reader_.next(limit)) {
            co_return l;
        }
        if (!co_await flush() || !co_await fill(command)) {
            co_return std::nullopt;
        }
    }
}

// One read. Between commands, the listener's stop may cut it short; a message in DATA is read
// to its end.
asio::awaitable<bool> session::fill(bool command)
{
    if (command && draining_) {
        co_await say_goodbye("421 4.3.2 Service shutting down, try again later");
        co_return false;
    }
    if (time_left() <= clock::duration::zero()) {
        context_->counters.timeouts.add();
        co_await say_goodbye("421 4.4.2 Session too long, closing");
        co_return false;
    }
    watchdog_.expire_after(time_left());
    idle_ = command;
    auto [ec, n] = co_await stream_.read_some(reader_.prepare());
    idle_ = false;
    reader_.commit(ec ? 0 : n);
    if (!ec) {
        co_return true;
    }
    if (watchdog_.expired()) {
        context_->counters.timeouts.add();
        co_await say_goodbye("421 4.4.2 Timeout exceeded, closing");
    } else if (draining_ && command) {
        co_await say_goodbye("421 4.3.2 Service shutting down, try again later");
    }
    co_return false;
}

clock::duration session::time_left() const
{
    return std::min<clock::duration>(config().command_timeout, session_end_ - clock::now());
}

asio::awaitable<bool> session::flush()
{
    if (out_.empty()) {
        co_return true;
    }
    // A client that does not read its replies is as silent as one that does not send.
    watchdog_.expire_after(std::max<clock::duration>(time_left(), linger));
    const auto ec = co_await stream_.write(out_);
    out_.clear();
    co_return !ec;
}

// The last reply, then the close; whatever the state, within the linger.
asio::awaitable<void> session::say_goodbye(std::string_view text)
{
    reply(text);
    watchdog_.expire_after(linger);
    co_await stream_.write(out_);
    out_.clear();
}

asio::awaitable<void> session::close()
{
    co_await flush();
    watchdog_.expire_after(linger);
    co_await stream_.shutdown();
}

asio::awaitable<void> serve(std::shared_ptr<session_context> context, asio::ip::tcp::socket socket)
{
    const auto s = std::make_shared<session>(std::move(context), std::move(socket));
    co_await s->run();
}

} // namespace

listener_counters::listener_counters(metrics::registry& metrics)
    : sessions(metrics.get_counter("mailgate_bounce_smtp_sessions_total",
                                   "Sessions the bounce SMTP listener served")),
      rcpt_refused(metrics.get_counter("mailgate_bounce_smtp_rcpt_refused_total",
                                       "RCPT TO addresses refused: not a signed return path")),
      overloaded(rejected_counter(metrics, "overloaded")),
      timeouts(rejected_counter(metrics, "timeout")),
      too_many_errors(rejected_counter(metrics, "too_many_errors")),
      messages(metrics, "mailgate_bounce_smtp_messages_total",
               "Messages the bounce SMTP listener received, by result", {"result"})
{
}

session_context::session_context(config::bounce_listener_config c, recipient_check accepts,
                                 bounces::message_sink s, metrics::registry& metrics)
    : config(std::move(c)),
      host_name(config.host_name.empty() ? machine_host_name() : config.host_name),
      accepts_recipient(std::move(accepts)), sink(std::move(s)), counters(metrics)
{
    if (!config.tls_certificate.empty() && !config.tls_private_key.empty()) {
        tls.emplace(make_tls_context(config));
    }
}

// An exception out of the session's coroutine ends it: the session, its socket with it, is
// destroyed as the coroutine unwinds, so that one connection is closed and the thread goes on.
void start_session(std::shared_ptr<session_context> context, asio::ip::tcp::socket socket)
{
    auto executor = socket.get_executor();
    asio::co_spawn(
        executor, serve(std::move(context), std::move(socket)), [](std::exception_ptr e) {
            if (!e) {
                return;
            }
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                log::get("smtp_server")->error("session failed, closed: {}", ex.what());
            } catch (...) {
                log::get("smtp_server")->error("session failed, closed: non-standard exception");
            }
        });
}

} // namespace mailgate::core::smtp_server
