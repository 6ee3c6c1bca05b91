#include "core/imap/imap_client.hpp"

#include "core/imap/value_reader.hpp"
#include "core/outbound/smtp/smtp_client_settings.hpp"
#include "core/outbound/smtp/tls_client_context.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <limits>

namespace mailgate::core::imap {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// co_await stands only in plain statements here, never in a condition or a ?: operand: g++ 12
// miscompiles some of those into coroutines that crash on their first resumption.
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// RFC 2177: a client should renew an IDLE at least every 29 minutes, or the server may log it
// out as inactive.
constexpr std::chrono::milliseconds max_idle = std::chrono::minutes(28);

response_limits limits_for(const config::bounce_mailbox_config& config)
{
    response_limits limits;
    // A message a little over the bound is refused by its RFC822.SIZE before its body is
    // fetched; the bound on the literal is the stream's own defence.
    limits.max_literal = config.max_message_size;
    return limits;
}

net::socket_watchdog::clock::duration tick_for(const config::bounce_mailbox_config& config)
{
    return net::socket_watchdog::tick_for(
        {config.timeout, std::min<std::chrono::milliseconds>(config.poll_interval, max_idle)});
}

std::string format_duration(std::chrono::milliseconds d)
{
    return d.count() % 1000 == 0 ? std::to_string(d.count() / 1000) + " s"
                                 : std::to_string(d.count()) + " ms";
}

bool is_ok(const imap_response& r)
{
    return r.name == "OK";
}

// Words of a response code: "CAPABILITY IMAP4rev1 IDLE" -> its capabilities.
std::vector<std::string> code_words(const std::string& code)
{
    std::vector<std::string> words;
    std::size_t start = 0;
    while (start < code.size()) {
        auto end = code.find(' ', start);
        end = end == std::string::npos ? code.size() : end;
        if (end > start) {
            words.push_back(code.substr(start, end - start));
        }
        start = end + 1;
    }
    return words;
}

std::string upper(std::string text)
{
    for (char& c : text) {
        if (c >= 'a' && c <= 'z') {
            c = static_cast<char>(c - 'a' + 'A');
        }
    }
    return text;
}

std::optional<uint32_t> code_number(const std::string& code, std::string_view name)
{
    const auto words = code_words(code);
    if (words.size() != 2 || upper(words[0]) != name) {
        return std::nullopt;
    }
    const auto n = parse_number(words[1], std::numeric_limits<uint32_t>::max());
    return n ? std::optional<uint32_t>(static_cast<uint32_t>(*n)) : std::nullopt;
}

} // namespace

std::optional<std::string> quoted(std::string_view text)
{
    std::string out = "\"";
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte == 0 || c == '\r' || c == '\n' || byte >= 0x80) {
            return std::nullopt;
        }
        if (c == '"' || c == '\\') {
            out.push_back('\\');
        }
        out.push_back(c);
    }
    out.push_back('"');
    return out;
}

imap_client::imap_client(asio::any_io_executor executor, config::bounce_mailbox_config config)
    : config_(std::move(config)), socket_(std::move(executor)), parser_(limits_for(config_)),
      watchdog_(socket_, tick_for(config_))
{
}

imap_client::~imap_client() = default;

bool imap_client::has(std::string_view capability) const
{
    return capabilities_.contains(upper(std::string(capability)));
}

asio::awaitable<void> imap_client::connect()
{
    co_await open_socket();
    if (config_.security == config::imap_security::tls) {
        co_await start_tls();
    }
    co_await read_greeting();
    if (config_.security != config::imap_security::starttls) {
        co_return;
    }
    if (capabilities_.empty()) {
        co_await refresh_capabilities();
    }
    if (!has("STARTTLS")) {
        fail("the server does not offer STARTTLS, which the mailbox's security requires");
    }
    const std::string starttls = "STARTTLS";
    co_await expect_ok(starttls);
    // Bytes that came with the reply were sent in clear: reading them after the handshake as
    // if protected is the STARTTLS command injection (CVE-2011-0411).
    if (parser_.has_pending()) {
        fail("the server sent data after its reply to STARTTLS");
    }
    co_await start_tls();
    // Capabilities from before TLS are not to be trusted (RFC 3501 §6.2.1).
    co_await refresh_capabilities();
}

// The resolver cannot be cancelled once getaddrinfo runs (a thread of its own): the timer
// abandons it, and a hung lookup only ends with the system resolver's own timeout.
asio::awaitable<void> imap_client::open_socket()
{
    const auto executor = socket_.get_executor();
    tcp::resolver resolver(executor);
    asio::steady_timer timer(executor, config_.timeout);
    timer.async_wait([&resolver](const boost::system::error_code& ec) {
        if (!ec) {
            resolver.cancel();
        }
    });
    const auto port = std::to_string(config_.port);
    const auto [resolve_ec, endpoints] =
        co_await resolver.async_resolve(config_.host, port, use_tuple);
    timer.cancel();
    if (resolve_ec) {
        fail("cannot resolve " + config_.host + ": " + resolve_ec.message());
    }
    watchdog_.expire_after(config_.timeout);
    const auto [connect_ec, endpoint] = co_await asio::async_connect(socket_, endpoints, use_tuple);
    if (connect_ec) {
        const std::string what = "cannot connect to " + config_.host + ":" + port;
        fail_io(connect_ec, what);
    }
    boost::system::error_code ignored;
    socket_.set_option(tcp::no_delay(true), ignored);
    usable_ = true;
}

asio::awaitable<void> imap_client::start_tls()
{
    outbound::smtp::smtp_client_settings tls_settings;
    tls_settings.verify_tls = config_.verify_tls;
    try {
        tls_context_.emplace(outbound::smtp::make_tls_client_context(tls_settings));
    } catch (const std::runtime_error& e) {
        fail(e.what());
    }
    tls_.emplace(socket_, *tls_context_);
    outbound::smtp::prepare_tls_client(*tls_, config_.host, config_.verify_tls);
    watchdog_.expire_after(config_.timeout);
    const auto [ec] = co_await tls_->async_handshake(asio::ssl::stream_base::client, use_tuple);
    if (ec) {
        if (watchdog_.expired()) {
            fail("no TLS handshake within " + format_duration(config_.timeout));
        }
        fail(outbound::smtp::describe_tls_failure(*tls_, ec));
    }
}

asio::awaitable<void> imap_client::read_greeting()
{
    const std::string what = "no greeting";
    const auto greeting = co_await read_response(config_.timeout, what);
    if (greeting.kind != imap_response::type::untagged ||
        (greeting.name != "OK" && greeting.name != "PREAUTH")) {
        fail("the server refused the connection: " + greeting.name + " " + greeting.text);
    }
    take_untagged(greeting);
}

asio::awaitable<void> imap_client::refresh_capabilities()
{
    capabilities_.clear();
    const std::string line = "CAPABILITY";
    co_await expect_ok(line);
}

asio::awaitable<void> imap_client::login(std::string_view user, std::string_view password)
{
    if (has("LOGINDISABLED")) {
        fail("the server does not allow LOGIN on this connection (LOGINDISABLED): use TLS");
    }
    std::vector<part> parts{{"LOGIN ", false}};
    for (const auto credential : {user, password}) {
        if (auto q = quoted(credential)) {
            parts.push_back({*q, false});
        } else {
            parts.push_back({std::string(credential), true});
        }
        parts.push_back({" ", false});
    }
    parts.pop_back();
    const std::string verb = "LOGIN";
    const untagged_handler none;
    const auto reply = co_await command(parts, verb, none);
    if (!is_ok(reply)) {
        // The server's words only: they never echo the password back in practice, and the
        // command itself is not repeated.
        fail("login refused: " + reply.name + " " + reply.text);
    }
    capabilities_.clear();
    if (upper(reply.code).starts_with("CAPABILITY ")) {
        auto words = code_words(reply.code);
        words.erase(words.begin());
        take_capabilities(words);
    } else {
        co_await refresh_capabilities();
    }
}

asio::awaitable<selected_mailbox> imap_client::select(std::string_view folder)
{
    const auto name = quoted(folder);
    if (!name) {
        fail("the folder name cannot be sent as an IMAP quoted string");
    }
    selected_mailbox out;
    bool validity_seen = false;
    const untagged_handler on_untagged = [&](imap_response& r) {
        if (r.name == "EXISTS" && r.number) {
            out.exists = *r.number;
        } else if (const auto v = code_number(r.code, "UIDVALIDITY")) {
            out.uid_validity = *v;
            validity_seen = true;
        } else if (const auto n = code_number(r.code, "UIDNEXT")) {
            out.uid_next = *n;
        }
    };
    const std::string line = "SELECT " + *name;
    co_await expect_ok(line, on_untagged);
    if (!validity_seen) {
        fail("the server gave no UIDVALIDITY for " + std::string(folder));
    }
    co_return out;
}

asio::awaitable<void> imap_client::create(std::string_view folder)
{
    const auto name = quoted(folder);
    if (!name) {
        fail("the folder name cannot be sent as an IMAP quoted string");
    }
    const std::string line = "CREATE " + *name;
    const untagged_handler none;
    const auto reply = co_await command(line, none);
    if (reply.name == "BAD") {
        fail("CREATE refused: " + reply.text);
    }
}

asio::awaitable<void> imap_client::noop()
{
    const std::string line = "NOOP";
    co_await expect_ok(line);
}

asio::awaitable<std::vector<uint32_t>> imap_client::search_from(uint32_t first_uid)
{
    std::vector<uint32_t> uids;
    const untagged_handler on_untagged = [&](imap_response& r) {
        if (r.name != "SEARCH") {
            return;
        }
        for (const auto& word : r.words) {
            const auto uid = parse_number(word, std::numeric_limits<uint32_t>::max());
            if (!uid) {
                fail("SEARCH returned something that is not a UID");
            }
            // n:* includes the largest UID even when it is below n (RFC 3501 §6.4.8).
            if (*uid >= first_uid) {
                uids.push_back(static_cast<uint32_t>(*uid));
            }
        }
    };
    const std::string line = "UID SEARCH UID " + std::to_string(first_uid) + ":*";
    co_await expect_ok(line, on_untagged);
    std::sort(uids.begin(), uids.end());
    uids.erase(std::unique(uids.begin(), uids.end()), uids.end());
    co_return uids;
}

asio::awaitable<std::optional<uint64_t>> imap_client::size_of(uint32_t uid)
{
    std::optional<uint64_t> size;
    const untagged_handler on_untagged = [&](imap_response& r) {
        if (r.fetch && r.fetch->uid == uid && r.fetch->size) {
            size = r.fetch->size;
        }
    };
    const std::string line = "UID FETCH " + std::to_string(uid) + " (UID RFC822.SIZE)";
    co_await expect_ok(line, on_untagged);
    co_return size;
}

asio::awaitable<std::optional<std::string>> imap_client::fetch(uint32_t uid)
{
    std::optional<std::string> body;
    const untagged_handler on_untagged = [&](imap_response& r) {
        if (r.fetch && r.fetch->uid == uid && r.fetch->body) {
            body = std::move(r.fetch->body);
        }
    };
    const std::string line = "UID FETCH " + std::to_string(uid) + " (UID BODY.PEEK[])";
    co_await expect_ok(line, on_untagged);
    co_return body;
}

asio::awaitable<move_method> imap_client::move(uint32_t uid, std::string_view folder)
{
    const auto name = quoted(folder);
    if (!name) {
        fail("the folder name cannot be sent as an IMAP quoted string");
    }
    const auto set = std::to_string(uid);
    if (has("MOVE")) {
        const std::string line = "UID MOVE " + set + " " + *name;
        co_await expect_ok(line);
        co_return move_method::moved;
    }
    const std::string copy = "UID COPY " + set + " " + *name;
    co_await expect_ok(copy);
    // UID EXPUNGE removes this message alone; a plain EXPUNGE would also remove whatever
    // someone else had marked deleted in the folder.
    if (has("UIDPLUS")) {
        const std::string store = "UID STORE " + set + " +FLAGS.SILENT (\\Deleted)";
        co_await expect_ok(store);
        const std::string expunge = "UID EXPUNGE " + set;
        co_await expect_ok(expunge);
        co_return move_method::expunged;
    }
    const std::string seen = "UID STORE " + set + " +FLAGS.SILENT (\\Seen)";
    co_await expect_ok(seen);
    co_return move_method::copied;
}

asio::awaitable<bool> imap_client::idle(std::chrono::milliseconds limit)
{
    if (!usable_) {
        fail("the connection is closed");
    }
    const auto tag = "m" + std::to_string(++next_tag_);
    const std::string line = tag + " IDLE\r\n";
    const std::string verb = "IDLE";
    co_await write(line, verb);
    const std::string unanswered = "no reply to IDLE";
    auto reply = co_await read_response(config_.timeout, unanswered);
    while (reply.kind == imap_response::type::untagged) {
        take_untagged(reply);
        reply = co_await read_response(config_.timeout, unanswered);
    }
    if (reply.kind != imap_response::type::continuation) {
        fail("IDLE refused: " + reply.name + " " + reply.text);
    }
    bool announced = false;
    watchdog_.expire_after(std::min(limit, max_idle));
    for (;;) {
        auto next = parser_.next();
        if (next) {
            take_untagged(*next);
            const auto& n = next->name;
            if (n == "EXISTS" || n == "RECENT" || n == "EXPUNGE" || n == "FETCH") {
                announced = true;
                break;
            }
            continue;
        }
        auto read = tls_ ? tls_->async_read_some(asio::buffer(read_buffer_), use_tuple)
                         : socket_.async_read_some(asio::buffer(read_buffer_), use_tuple);
        const auto [ec, n] = co_await std::move(read);
        if (ec && watchdog_.expired()) {
            break; // the idle's time is up: DONE below
        }
        if (ec) {
            fail_io(ec, unanswered);
        }
        parser_.feed({read_buffer_.data(), n});
    }
    const std::string done = "DONE\r\n";
    co_await write(done, verb);
    const untagged_handler none;
    const auto end = co_await read_until_tagged(tag, verb, none);
    if (!is_ok(end)) {
        fail("IDLE ended with " + end.name + " " + end.text);
    }
    co_return announced;
}

asio::awaitable<void> imap_client::logout()
{
    if (usable_) {
        try {
            const std::string line = "LOGOUT";
            co_await expect_ok(line);
        } catch (const std::exception&) {
        }
    }
    close();
}

void imap_client::abort() noexcept
{
    close();
}

asio::awaitable<imap_response> imap_client::command(const std::string& line,
                                                    const untagged_handler& on_untagged)
{
    const std::vector<part> parts{{line, false}};
    // "UID FETCH", "SELECT": what the command is, without its arguments.
    const std::string verb = line.substr(0, line.find(' ', line.starts_with("UID ") ? 4 : 0));
    co_return co_await command(parts, verb, on_untagged);
}

// Literals are synchronizing (RFC 3501 §7.5): each waits for the server's "+" before it goes.
asio::awaitable<imap_response> imap_client::command(const std::vector<part>& parts,
                                                    const std::string& verb,
                                                    const untagged_handler& on_untagged)
{
    if (!usable_) {
        fail("the connection is closed");
    }
    const auto tag = "m" + std::to_string(++next_tag_);
    std::string pending = tag + " ";
    const std::string unanswered = "no reply to " + verb;
    for (const auto& p : parts) {
        if (!p.literal) {
            pending += p.text;
            continue;
        }
        pending += "{" + std::to_string(p.text.size()) + "}\r\n";
        co_await write(pending, verb);
        pending.clear();
        auto reply = co_await read_response(config_.timeout, unanswered);
        while (reply.kind == imap_response::type::untagged) {
            take_untagged(reply);
            reply = co_await read_response(config_.timeout, unanswered);
        }
        if (reply.kind != imap_response::type::continuation) {
            co_return reply; // refused before the literal
        }
        pending = p.text;
    }
    pending += "\r\n";
    co_await write(pending, verb);
    co_return co_await read_until_tagged(tag, verb, on_untagged);
}

asio::awaitable<void> imap_client::expect_ok(const std::string& line,
                                             const untagged_handler& on_untagged)
{
    const auto reply = co_await command(line, on_untagged);
    if (!is_ok(reply)) {
        const std::string verb = line.substr(0, line.find(' ', line.starts_with("UID ") ? 4 : 0));
        fail(verb + " refused: " + reply.name + " " + reply.text);
    }
}

asio::awaitable<void> imap_client::expect_ok(const std::string& line)
{
    const untagged_handler none;
    co_await expect_ok(line, none);
}

asio::awaitable<imap_response> imap_client::read_until_tagged(const std::string& tag,
                                                              const std::string& verb,
                                                              const untagged_handler& on_untagged)
{
    const std::string unanswered = "no reply to " + verb;
    for (;;) {
        auto reply = co_await read_response(config_.timeout, unanswered);
        if (reply.kind == imap_response::type::tagged) {
            if (reply.tag != tag) {
                fail("a reply to a command that was not sent (tag " + reply.tag + ")");
            }
            co_return reply;
        }
        if (reply.kind == imap_response::type::continuation) {
            fail("an unexpected continuation request after " + verb);
        }
        take_untagged(reply);
        if (on_untagged) {
            on_untagged(reply);
        }
    }
}

asio::awaitable<imap_response> imap_client::read_response(std::chrono::milliseconds limit,
                                                          const std::string& what)
{
    watchdog_.expire_after(limit);
    for (;;) {
        std::optional<imap_response> reply;
        try {
            reply = parser_.next();
        } catch (const imap_protocol_error& e) {
            fail(std::string("the server's response does not parse: ") + e.what());
        }
        if (reply) {
            co_return std::move(*reply);
        }
        auto read = tls_ ? tls_->async_read_some(asio::buffer(read_buffer_), use_tuple)
                         : socket_.async_read_some(asio::buffer(read_buffer_), use_tuple);
        const auto [ec, n] = co_await std::move(read);
        if (ec) {
            fail_io(ec, what);
        }
        try {
            parser_.feed({read_buffer_.data(), n});
        } catch (const imap_protocol_error& e) {
            fail(std::string("the server's response is refused: ") + e.what());
        }
    }
}

asio::awaitable<void> imap_client::write(const std::string& bytes, const std::string& what)
{
    watchdog_.expire_after(config_.timeout);
    auto write = tls_ ? asio::async_write(*tls_, asio::buffer(bytes), use_tuple)
                      : asio::async_write(socket_, asio::buffer(bytes), use_tuple);
    const auto [ec, written] = co_await std::move(write);
    if (ec) {
        const std::string unsent = "could not send " + what;
        fail_io(ec, unsent);
    }
}

void imap_client::take_untagged(const imap_response& r)
{
    if (r.name == "CAPABILITY") {
        take_capabilities(r.words);
    } else if (upper(r.code).starts_with("CAPABILITY ")) {
        auto words = code_words(r.code);
        words.erase(words.begin());
        take_capabilities(words);
    }
    if (r.name == "BYE") {
        usable_ = false;
    }
}

void imap_client::take_capabilities(const std::vector<std::string>& words)
{
    capabilities_.clear();
    for (const auto& w : words) {
        capabilities_.insert(upper(w));
    }
}

void imap_client::fail_io(const boost::system::error_code& ec, const std::string& what)
{
    if (watchdog_.expired()) {
        fail(what + " within " + format_duration(config_.timeout));
    }
    const bool closed = ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
    fail(what + ": " + (closed ? "the server closed the connection" : ec.message()));
}

void imap_client::fail(std::string error)
{
    close();
    throw imap_error(std::move(error));
}

void imap_client::close() noexcept
{
    usable_ = false;
    watchdog_.rest();
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
}

} // namespace mailgate::core::imap
