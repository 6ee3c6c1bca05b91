#include "tests/support/smtp_dialogue.hpp"

#include "core/encoding/base64.hpp"
#include "tests/support/smtp_command.hpp"

#include <mailgate/sdk/str.hpp>

#include <boost/algorithm/string/join.hpp>

#include <algorithm>

namespace mailgate::testing {
namespace {

// Bounds what one transaction can make the server hold.
constexpr std::size_t max_recipients = 1000;

} // namespace

smtp_dialogue::smtp_dialogue(const smtp_server_options& options, smtp_server_state& state,
                             std::size_t connection)
    : options_(options), state_(state), connection_(connection),
      tls_(options.mode == smtp_mode::smtps)
{
}

std::string smtp_dialogue::greeting() const
{
    return "220 " + options_.hostname + " ESMTP";
}

std::string smtp_dialogue::ehlo(std::string_view argument)
{
    if (!options_.esmtp) {
        return "502 5.5.2 Error: command not recognized";
    }
    if (argument.empty()) {
        return "501 5.5.4 Syntax: EHLO hostname";
    }
    greeted_ = true;
    transaction_.reset();
    auto lines = extensions();
    lines.insert(lines.begin(), options_.hostname);
    std::string reply;
    for (const auto& line : lines) {
        reply += (reply.empty() ? "250 " : "\n250 ") + line;
    }
    return reply;
}

std::vector<std::string> smtp_dialogue::extensions() const
{
    std::vector<std::string> lines;
    if (options_.pipelining) {
        lines.emplace_back("PIPELINING");
    }
    lines.push_back("SIZE " + std::to_string(options_.size_limit));
    if (options_.eightbitmime) {
        lines.emplace_back("8BITMIME");
    }
    if (options_.smtputf8) {
        lines.emplace_back("SMTPUTF8");
    }
    lines.emplace_back("ENHANCEDSTATUSCODES");
    if (options_.mode == smtp_mode::starttls && !tls_) {
        lines.emplace_back("STARTTLS");
    }
    if (!options_.username.empty() && !tls_missing()) {
        lines.push_back("AUTH " + boost::algorithm::join(options_.auth_mechanisms, " "));
    }
    return lines;
}

std::string smtp_dialogue::helo(std::string_view argument)
{
    if (argument.empty()) {
        return "501 5.5.4 Syntax: HELO hostname";
    }
    greeted_ = true;
    transaction_.reset();
    return "250 " + options_.hostname;
}

bool smtp_dialogue::tls_missing() const
{
    return options_.mode == smtp_mode::starttls && options_.require_tls && !tls_;
}

std::optional<std::string> smtp_dialogue::mail_refusal() const
{
    if (!greeted_) {
        return "503 5.5.1 Error: send HELO/EHLO first";
    }
    if (tls_missing()) {
        return "530 5.7.0 Must issue a STARTTLS command first";
    }
    if (!options_.username.empty() && auth_user_.empty()) {
        return "530 5.7.0 Authentication required";
    }
    if (transaction_) {
        return "503 5.5.1 Error: nested MAIL command";
    }
    return std::nullopt;
}

std::string smtp_dialogue::mail(std::string_view argument)
{
    if (auto refusal = mail_refusal()) {
        return *refusal;
    }
    auto path = parse_path(argument, "FROM:");
    if (!path) {
        return "501 5.5.4 Syntax: MAIL FROM:<address>";
    }
    const auto size = declared_size(path->parameters);
    if (!size) {
        return "501 5.5.4 Bad SIZE parameter";
    }
    if (*size > options_.size_limit) {
        return "552 5.3.4 Message size exceeds fixed maximum message size";
    }
    transaction_ = transaction{std::move(path->address), std::move(path->parameters), {}};
    return "250 2.1.0 Ok";
}

std::string smtp_dialogue::rcpt(std::string_view argument)
{
    if (!transaction_) {
        return "503 5.5.1 Error: need MAIL command";
    }
    auto path = parse_path(argument, "TO:");
    if (!path) {
        return "501 5.5.4 Syntax: RCPT TO:<address>";
    }
    if (path->address.empty()) {
        return "501 5.1.3 Bad recipient address syntax";
    }
    if (auto reply = state_.recipient_reply(path->address)) {
        return *reply;
    }
    if (transaction_->recipients.size() >= max_recipients) {
        return "452 4.5.3 Error: too many recipients";
    }
    transaction_->recipients.push_back(std::move(path->address));
    return "250 2.1.5 Ok";
}

std::string smtp_dialogue::rset()
{
    transaction_.reset();
    return "250 2.0.0 Ok";
}

std::optional<std::string> smtp_dialogue::starttls_refusal(std::string_view argument) const
{
    if (options_.mode != smtp_mode::starttls) {
        return "502 5.5.1 Error: command not implemented";
    }
    if (tls_) {
        return "503 5.5.1 Error: TLS already active";
    }
    if (!argument.empty()) {
        return "501 5.5.4 Syntax: STARTTLS";
    }
    if (!greeted_) {
        return "503 5.5.1 Error: send EHLO first";
    }
    return std::nullopt;
}

void smtp_dialogue::tls_started()
{
    tls_ = true;
    greeted_ = false;
    auth_user_.clear();
    transaction_.reset();
}

std::optional<std::string> smtp_dialogue::auth_refusal() const
{
    if (options_.username.empty()) {
        return "503 5.5.1 Error: authentication not enabled";
    }
    if (!greeted_) {
        return "503 5.5.1 Error: send EHLO first";
    }
    if (tls_missing()) {
        return "530 5.7.0 Must issue a STARTTLS command first";
    }
    if (!auth_user_.empty()) {
        return "503 5.5.1 Error: already authenticated";
    }
    if (transaction_) {
        return "503 5.5.1 Error: MAIL transaction in progress";
    }
    return std::nullopt;
}

bool smtp_dialogue::offers_mechanism(std::string_view mechanism) const
{
    return std::any_of(
        options_.auth_mechanisms.begin(), options_.auth_mechanisms.end(),
        [mechanism](const auto& offered) { return sdk::iequals(offered, mechanism); });
}

std::string smtp_dialogue::auth_plain(std::string_view response)
{
    const auto decoded = core::encoding::base64_decode(response);
    // authzid NUL authcid NUL password; the authzid is ignored, as most servers do.
    const auto first = decoded ? decoded->find('\0') : std::string::npos;
    const auto second = first == std::string::npos ? first : decoded->find('\0', first + 1);
    if (second == std::string::npos) {
        return "501 5.5.2 Cannot decode response";
    }
    return authenticate(std::string_view(*decoded).substr(first + 1, second - first - 1),
                        std::string_view(*decoded).substr(second + 1));
}

std::string smtp_dialogue::auth_login(std::string_view user, std::string_view password)
{
    const auto decoded_user = core::encoding::base64_decode(user);
    const auto decoded_password = core::encoding::base64_decode(password);
    if (!decoded_user || !decoded_password) {
        return "501 5.5.2 Cannot decode response";
    }
    return authenticate(*decoded_user, *decoded_password);
}

std::string smtp_dialogue::authenticate(std::string_view user, std::string_view password)
{
    if (user != options_.username || password != options_.password) {
        return "535 5.7.8 Authentication credentials invalid";
    }
    auth_user_ = user;
    return "235 2.7.0 Authentication successful";
}

std::optional<std::string> smtp_dialogue::data_refusal(std::string_view argument) const
{
    if (!argument.empty()) {
        return "501 5.5.4 Syntax: DATA";
    }
    if (!transaction_) {
        return "503 5.5.1 Error: need MAIL command";
    }
    if (transaction_->recipients.empty()) {
        return "554 5.5.1 Error: no valid recipients";
    }
    return std::nullopt;
}

std::string smtp_dialogue::end_data(message_data& data)
{
    auto accepted = std::move(*transaction_);
    transaction_.reset();
    if (auto refusal = data.refusal()) {
        return *refusal;
    }
    received_message message;
    message.mail_from = std::move(accepted.mail_from);
    message.mail_parameters = std::move(accepted.parameters);
    message.recipients = std::move(accepted.recipients);
    message.data = data.take();
    message.tls = tls_;
    message.auth_user = auth_user_;
    message.connection = connection_;
    return "250 2.0.0 Ok: queued as " + state_.record(std::move(message));
}

void smtp_dialogue::drop_transaction()
{
    transaction_.reset();
}

} // namespace mailgate::testing
