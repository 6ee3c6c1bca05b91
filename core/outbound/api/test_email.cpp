#include "core/outbound/api/test_email.hpp"

#include "core/base/clock.hpp"
#include "core/outbound/smtp/send_once.hpp"

#include <boost/json/array.hpp>

namespace mailgate::core::outbound::api {
namespace {

namespace json = boost::json;

request::message_request test_request(const delivery::sending_provider& provider,
                                      request::recipient to, std::optional<mime::mailbox> from)
{
    request::message_request r;
    r.provider = provider.instance->provider();
    r.from = std::move(from);
    r.to.push_back(std::move(to));
    r.subject = "mailgate test message (provider " + r.provider + ")";
    r.text = "This is a test message from mailgate, sent through provider '" + r.provider + "' (" +
             provider.smtp.host + ":" + std::to_string(provider.smtp.port) +
             ").\r\nIf it reached you, sending through this provider works.\r\n";
    return r;
}

json::value error_json(const smtp::send_outcome& o)
{
    if (o.ok()) {
        return nullptr;
    }
    return json::object{{"class", describe(o.failure)},
                        {"permanent", o.permanent},
                        {"detail", o.reply.code != 0 ? o.reply.str() : o.error},
                        {"hint", hint(o.failure)}};
}

} // namespace

boost::asio::awaitable<test_email_result>
send_test_email(const delivery::sending_provider& provider, const message_composer& composer,
                request::recipient to, std::optional<mime::mailbox> from)
{
    auto messages = composer.compose(test_request(provider, std::move(to), std::move(from)),
                                     provider, base::unix_ms_now());
    auto& m = messages.front();
    test_email_result result{m.provider, m.id, m.mail_from, m.recipient, {}, {}};
    // Named, not a temporary in the co_await expression: GCC 12 destroys such temporaries twice.
    const smtp::envelope env{m.mail_from, m.recipient, m.smtputf8};
    const std::string text = m.text();
    result.outcome = co_await smtp::send_once(provider.smtp, env, text, &result.transcript);
    co_return result;
}

std::string suppressed_refusal(const addressing::address& to, const storage::suppression& s)
{
    const std::string stream = s.stream == events::all_streams ? "every stream" : s.stream;
    const std::string by = s.email.starts_with("*@") ? ", by " + s.email : "";
    return "the recipient " + to.str() + " is suppressed in " + stream + " (reason: " + s.reason +
           by + ")";
}

json::object to_json(const test_email_result& result)
{
    const auto& o = result.outcome;
    json::array transcript;
    for (const auto& line : result.transcript) {
        transcript.push_back(
            json::object{{"from", std::string(1, line.from)}, {"text", line.text}});
    }
    json::value tls = nullptr;
    if (!o.tls_version.empty()) {
        tls = json::object{{"version", o.tls_version}, {"cipher", o.tls_cipher}};
    }
    return json::object{{"ok", o.ok()},
                        {"provider", result.provider},
                        {"message_id", result.message_id},
                        {"from", result.from},
                        {"to", result.to},
                        {"phase", o.phase},
                        {"reply", o.reply.code != 0 ? json::value(o.reply.str()) : nullptr},
                        {"provider_message_id", o.provider_message_id},
                        {"tls", std::move(tls)},
                        {"error", error_json(o)},
                        {"transcript", std::move(transcript)}};
}

} // namespace mailgate::core::outbound::api
