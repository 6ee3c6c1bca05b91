#include "tests/support/smtp_session.hpp"

#include "tests/support/line_buffer.hpp"
#include "tests/support/message_data.hpp"
#include "tests/support/smtp_command.hpp"
#include "tests/support/smtp_dialogue.hpp"
#include "tests/support/smtp_reply.hpp"

#include <mailgate/sdk/str.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <chrono>
#include <map>

namespace mailgate::testing {
namespace {

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;

// RFC 5321 4.5.3.1.6: a text line, CRLF included.
constexpr std::size_t max_line = 1000;
// A client that never answers close_notify must not keep a QUIT session open.
constexpr std::chrono::milliseconds tls_shutdown_wait{500};

std::optional<smtp_phase> phase_of(std::string_view verb)
{
    static const std::map<std::string_view, smtp_phase> phases{
        {"EHLO", smtp_phase::ehlo}, {"HELO", smtp_phase::helo}, {"STARTTLS", smtp_phase::starttls},
        {"AUTH", smtp_phase::auth}, {"MAIL", smtp_phase::mail}, {"RCPT", smtp_phase::rcpt},
        {"DATA", smtp_phase::data}, {"RSET", smtp_phase::rset}, {"QUIT", smtp_phase::quit}};
    const auto found = phases.find(verb);
    return found == phases.end() ? std::nullopt : std::optional(found->second);
}

class smtp_session {
public:
    smtp_session(tcp::socket socket, const smtp_server_options& options, asio::ssl::context& tls,
                 smtp_server_state& state)
        : stream_(std::move(socket), tls), options_(options), state_(state),
          dialogue_(options, state, state.open_connection())
    {
    }

    awaitable<void> run()
    {
        try {
            co_await serve();
        } catch (const boost::system::system_error&) {
            // The client left or broke TLS: that connection is over, the server serves on.
        }
    }

private:
    enum class fault_outcome { none, replied, closed };

    awaitable<void> serve();
    awaitable<bool> handle(const smtp_command& command);
    awaitable<bool> dispatch(const smtp_command& command);
    std::string reply_to(const smtp_command& command);
    awaitable<fault_outcome> apply_fault(smtp_phase phase);

    awaitable<bool> starttls(std::string_view argument);
    awaitable<bool> auth(std::string_view argument);
    awaitable<std::optional<std::string>> challenge(std::string_view prompt);
    awaitable<bool> data(std::string_view argument);
    awaitable<bool> quit();

    awaitable<received_line> read_line();
    awaitable<std::optional<std::string>> read_logged_line();
    awaitable<void> send(std::string_view reply);
    awaitable<void> close_gracefully();
    void close();

    asio::ssl::stream<tcp::socket> stream_;
    const smtp_server_options& options_;
    smtp_server_state& state_;
    smtp_dialogue dialogue_;
    line_buffer lines_{max_line};
    std::array<char, 4096> chunk_{};
    bool refused_ = false;           // a negative greeting: only QUIT is served
    bool sent_before_reply_ = false; // what lines_ holds came before the last reply went out
    std::optional<std::string> reply_override_; // a positive fault's text for the next reply
};

awaitable<void> smtp_session::serve()
{
    if (options_.mode == smtp_mode::smtps) {
        co_await stream_.async_handshake(asio::ssl::stream_base::server, use_awaitable);
    }
    const auto greeting = co_await apply_fault(smtp_phase::greeting);
    if (greeting == fault_outcome::closed) {
        co_return;
    }
    refused_ = greeting == fault_outcome::replied;
    if (!refused_) {
        co_await send(dialogue_.greeting());
    }
    for (;;) {
        const auto line = co_await read_logged_line();
        if (!line) {
            co_await send("500 5.5.2 line too long");
        } else if (!co_await handle(parse_command(*line))) {
            co_return;
        }
    }
}

awaitable<bool> smtp_session::handle(const smtp_command& command)
{
    state_.count_command(command.verb, sent_before_reply_);
    reply_override_.reset();
    if (refused_ && command.verb != "QUIT") {
        co_await send("503 5.5.1 Error: no SMTP service here");
        co_return true;
    }
    if (const auto phase = phase_of(command.verb)) {
        switch (co_await apply_fault(*phase)) {
        case fault_outcome::closed:
            co_return false;
        case fault_outcome::replied:
            co_return true;
        case fault_outcome::none:
            break;
        }
    }
    co_return co_await dispatch(command);
}

awaitable<bool> smtp_session::dispatch(const smtp_command& command)
{
    if (command.verb == "STARTTLS") {
        co_return co_await starttls(command.argument);
    }
    if (command.verb == "AUTH") {
        co_return co_await auth(command.argument);
    }
    if (command.verb == "DATA") {
        co_return co_await data(command.argument);
    }
    if (command.verb == "QUIT") {
        co_return co_await quit();
    }
    co_await send(reply_to(command));
    co_return true;
}

std::string smtp_session::reply_to(const smtp_command& command)
{
    if (command.verb == "EHLO") {
        return dialogue_.ehlo(command.argument);
    }
    if (command.verb == "HELO") {
        return dialogue_.helo(command.argument);
    }
    if (command.verb == "MAIL") {
        return dialogue_.mail(command.argument);
    }
    if (command.verb == "RCPT") {
        return dialogue_.rcpt(command.argument);
    }
    if (command.verb == "RSET") {
        return dialogue_.rset();
    }
    if (command.verb == "NOOP") {
        return "250 2.0.0 Ok";
    }
    return "500 5.5.2 Error: command not recognized";
}

awaitable<smtp_session::fault_outcome> smtp_session::apply_fault(smtp_phase phase)
{
    const auto fault = state_.take_fault(phase);
    if (!fault) {
        co_return fault_outcome::none;
    }
    switch (fault->what) {
    case smtp_fault::action::drop:
        close();
        co_return fault_outcome::closed;
    case smtp_fault::action::stall: {
        asio::steady_timer never(co_await asio::this_coro::executor,
                                 asio::steady_timer::time_point::max());
        co_await never.async_wait(use_awaitable);
        co_return fault_outcome::closed;
    }
    case smtp_fault::action::reply:
        break;
    }
    if (is_positive(fault->reply)) {
        reply_override_ = fault->reply;
        co_return fault_outcome::none;
    }
    co_await send(fault->reply);
    // RFC 5321 3.8: 421 means the server closes the channel.
    if (fault->reply.starts_with("421")) {
        co_await close_gracefully();
        co_return fault_outcome::closed;
    }
    co_return fault_outcome::replied;
}

awaitable<bool> smtp_session::starttls(std::string_view argument)
{
    if (auto refusal = dialogue_.starttls_refusal(argument)) {
        co_await send(*refusal);
        co_return true;
    }
    co_await send("220 2.0.0 Ready to start TLS");
    // RFC 3207 4.2: whatever the client pipelined behind STARTTLS was said in the clear and
    // must not count as said over TLS.
    lines_.clear();
    co_await stream_.async_handshake(asio::ssl::stream_base::server, use_awaitable);
    dialogue_.tls_started();
    co_return true;
}

awaitable<bool> smtp_session::auth(std::string_view argument)
{
    if (auto refusal = dialogue_.auth_refusal()) {
        co_await send(*refusal);
        co_return true;
    }
    const auto space = argument.find(' ');
    const auto mechanism = argument.substr(0, space);
    std::optional<std::string> first; // the initial response, or the answer to the challenge
    if (space != std::string_view::npos) {
        first = argument.substr(space + 1);
    }
    const bool plain = sdk::iequals(mechanism, "PLAIN");
    if (!dialogue_.offers_mechanism(mechanism) || !(plain || sdk::iequals(mechanism, "LOGIN"))) {
        co_await send("504 5.5.4 Unrecognized authentication type");
        co_return true;
    }
    if (!first) {
        first = co_await challenge(plain ? "334 " : "334 VXNlcm5hbWU6");
    }
    if (!first) {
        co_return true;
    }
    if (plain) {
        co_await send(dialogue_.auth_plain(*first));
    } else if (const auto password = co_await challenge("334 UGFzc3dvcmQ6")) {
        co_await send(dialogue_.auth_login(*first, *password));
    }
    co_return true;
}

// Nothing, after the reply that ends the exchange, when the client cancels with "*" or sends
// an over-long line.
awaitable<std::optional<std::string>> smtp_session::challenge(std::string_view prompt)
{
    co_await send(prompt);
    auto response = co_await read_logged_line();
    if (!response) {
        co_await send("500 5.5.2 line too long");
    } else if (*response == "*") {
        co_await send("501 5.7.0 Authentication aborted");
        response.reset();
    }
    co_return response;
}

awaitable<bool> smtp_session::data(std::string_view argument)
{
    if (auto refusal = dialogue_.data_refusal(argument)) {
        co_await send(*refusal);
        co_return true;
    }
    co_await send("354 End data with <CR><LF>.<CR><LF>");
    message_data message(options_.size_limit);
    for (auto line = co_await read_line(); line.too_long || line.text != ".";
         line = co_await read_line()) {
        message.add(line);
    }
    state_.log(message.summary());
    switch (co_await apply_fault(smtp_phase::data_end)) {
    case fault_outcome::closed:
        co_return false;
    case fault_outcome::replied:
        dialogue_.drop_transaction();
        co_return true;
    case fault_outcome::none:
        break;
    }
    co_await send(dialogue_.end_data(message));
    co_return true;
}

awaitable<bool> smtp_session::quit()
{
    co_await send("221 2.0.0 Bye");
    co_await close_gracefully();
    co_return false;
}

awaitable<received_line> smtp_session::read_line()
{
    for (;;) {
        if (auto line = lines_.next()) {
            co_return std::move(*line);
        }
        sent_before_reply_ = false;
        const auto buffer = asio::buffer(chunk_);
        const std::size_t size =
            dialogue_.tls() ? co_await stream_.async_read_some(buffer, use_awaitable)
                            : co_await stream_.next_layer().async_read_some(buffer, use_awaitable);
        lines_.append({chunk_.data(), size});
    }
}

// Nothing when the line was too long.
awaitable<std::optional<std::string>> smtp_session::read_logged_line()
{
    auto line = co_await read_line();
    if (line.too_long) {
        state_.log("C: <line too long>");
        co_return std::nullopt;
    }
    state_.log("C: " + line.text);
    co_return std::move(line.text);
}

awaitable<void> smtp_session::send(std::string_view reply)
{
    std::string wire;
    for (const auto& line : format_reply(reply_override_ ? *reply_override_ : reply)) {
        state_.log("S: " + line);
        wire.append(line).append("\r\n");
    }
    reply_override_.reset();
    sent_before_reply_ = true;
    if (dialogue_.tls()) {
        co_await asio::async_write(stream_, asio::buffer(wire), use_awaitable);
    } else {
        co_await asio::async_write(stream_.next_layer(), asio::buffer(wire), use_awaitable);
    }
}

awaitable<void> smtp_session::close_gracefully()
{
    if (dialogue_.tls()) {
        using namespace asio::experimental::awaitable_operators;
        asio::steady_timer limit(co_await asio::this_coro::executor, tls_shutdown_wait);
        co_await (stream_.async_shutdown(asio::as_tuple(use_awaitable)) ||
                  limit.async_wait(asio::as_tuple(use_awaitable)));
    }
    close();
}

void smtp_session::close()
{
    boost::system::error_code ignored;
    stream_.next_layer().close(ignored);
}

} // namespace

awaitable<void> serve_smtp_session(tcp::socket socket, const smtp_server_options& options,
                                   asio::ssl::context& tls, smtp_server_state& state)
{
    smtp_session session(std::move(socket), options, tls, state);
    co_await session.run();
}

} // namespace mailgate::testing
