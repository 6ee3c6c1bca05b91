// The `mailgun` driver: mail sent through Mailgun's SMTP relay, and Mailgun's webhooks: one JSON
// object per event, `{"signature": {timestamp, token, signature}, "event-data": {...}}`, signed
// with the hex HMAC-SHA256 of timestamp + token under the domain's webhook signing key
// (esp-formats.md §6.3). decorate() sends our meta token as the custom variable
// `mailgate_meta` (X-Mailgun-Variables), which Mailgun echoes in each event's `user-variables`.
//
// Built out of tree against the installed SDK, like any third-party driver: it includes nothing
// but the SDK, Boost.JSON and OpenSSL's C API.

#include "replay_guard.hpp"

#include <mailgate/sdk/driver.hpp>
#include <mailgate/sdk/json.hpp>
#include <mailgate/sdk/smtp.hpp>
#include <mailgate/sdk/timestamp.hpp>

// Boost.JSON's implementation is compiled into this module alone; the module exports nothing
// but mg_driver_entry, so it cannot clash with the host's or another driver's Boost.
#include <boost/json/src.hpp>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace {

namespace json = boost::json;
namespace sdk = mailgate::sdk;
using sdk::object_field;
using sdk::string_field;

// Mailgun posts one event per webhook.
constexpr std::uint32_t max_items = 1;
// One event is a few KB (headers, delivery status, tags). The signature sits inside the body,
// so the body is parsed before it is verified: the bound keeps an unsigned caller's cost small.
constexpr std::size_t max_body_bytes = 256 * 1024;
// Mailgun's token is 50 characters; more is not Mailgun.
constexpr std::size_t max_token_bytes = 256;

// The custom variable our token travels in.
constexpr const char* meta_key = "mailgate_meta";
constexpr const char* variables_header = "X-Mailgun-Variables";
constexpr const char* tag_header = "X-Mailgun-Tag";

constexpr const char* bad_signature = "missing or wrong webhook signature";
constexpr const char* stale_signature = "replayed or stale signature";
constexpr const char* reused_token = "webhook token reused for another event";

// The SMTP option set with Mailgun's US relay as the default host, and the webhook's options.
constexpr std::array<mg_option, 12> options_table{
    sdk::option(MG_OPTION_STRING, "host",
                "Mailgun's SMTP host: smtp.mailgun.org, or smtp.eu.mailgun.org for an EU domain",
                "smtp.mailgun.org"),
    sdk::option(MG_OPTION_INT, "port", "SMTP server port (587 with starttls, 465 with smtps)",
                "587"),
    sdk::option(MG_OPTION_STRING, "scheme",
                "smtp (plain), starttls (required) or smtps (implicit TLS)", "starttls"),
    sdk::option(MG_OPTION_STRING, "username",
                "the domain's SMTP login, e.g. postmaster@mg.example.com", ""),
    sdk::option(MG_OPTION_STRING, "password", "the SMTP login's password", "", MG_OPTION_SECRET),
    sdk::option(MG_OPTION_STRING, "from_name", "default From display name", ""),
    sdk::option(MG_OPTION_STRING, "from_address", "default From address", ""),
    sdk::option(MG_OPTION_STRING, "reply_address", "Reply-To address", ""),
    sdk::option(MG_OPTION_STRING, "preference_center", "none, system, or a custom https URL",
                "none"),
    sdk::option(MG_OPTION_STRING, "webhook_signing_key",
                "the HTTP webhook signing key (Mailgun: Sending > Webhooks); webhooks are "
                "verified with it",
                nullptr, MG_OPTION_REQUIRED | MG_OPTION_SECRET),
    sdk::option(MG_OPTION_INT, "signature_tolerance",
                "seconds a webhook's signed timestamp may be off from now; 0 turns the check off",
                "900"),
    sdk::option(MG_OPTION_INT, "replay_cache_size",
                "how many recent webhook tokens each gateway node remembers, to refuse one "
                "reused for another event; 0 turns the check off",
                "100000"),
};

std::string read_signing_key(const sdk::config_view& config)
{
    std::string key = config.string("webhook_signing_key");
    if (key.empty()) {
        throw sdk::config_error("webhook_signing_key", "must not be empty");
    }
    return key;
}

std::int64_t read_tolerance(const sdk::config_view& config)
{
    std::int64_t seconds = config.integer("signature_tolerance");
    if (seconds < 0) {
        throw sdk::config_error("signature_tolerance", "must be 0 (off) or a number of seconds");
    }
    return seconds;
}

std::size_t read_replay_cache_size(const sdk::config_view& config)
{
    std::int64_t size = config.integer("replay_cache_size");
    if (size < 0) {
        throw sdk::config_error("replay_cache_size", "must be 0 (off) or a number of tokens");
    }
    return static_cast<std::size_t>(size);
}

// Lower-case hex of HMAC-SHA256(key, text): the spelling Mailgun's `signature` uses.
std::string hex_hmac_sha256(std::string_view key, std::string_view text)
{
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int digest_size = 0;
    if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest.data(),
             &digest_size) == nullptr) {
        throw sdk::error(MG_INTERNAL_ERROR, "HMAC-SHA256 failed");
    }
    constexpr std::string_view digits = "0123456789abcdef";
    std::string hex;
    hex.reserve(2 * digest_size);
    for (unsigned int i = 0; i < digest_size; ++i) {
        hex += digits[digest[i] >> 4];
        hex += digits[digest[i] & 0x0f];
    }
    return hex;
}

// A permanent failure Mailgun gives without trying, because the address is on its own bounce,
// unsubscribe or complaint list, is a drop; any other permanent failure is a hard bounce.
std::int32_t permanent_failure_kind(const json::object& data)
{
    std::string_view reason = string_field(data, "reason").value_or("");
    return reason.substr(0, 9) == "suppress-" ? MG_EVENT_DROPPED : MG_EVENT_HARD_BOUNCE;
}

std::optional<std::int32_t> event_kind(std::string_view name, const json::object& data)
{
    if (name == "failed") {
        std::optional<std::string_view> severity = string_field(data, "severity");
        if (severity == "permanent") {
            return permanent_failure_kind(data);
        }
        if (severity == "temporary") {
            return MG_EVENT_SOFT_BOUNCE;
        }
        return std::nullopt;
    }
    static constexpr std::array<std::pair<std::string_view, std::int32_t>, 6> kinds{{
        {"accepted", MG_EVENT_PROCESSED},
        {"delivered", MG_EVENT_DELIVERED},
        {"opened", MG_EVENT_OPENED},
        {"clicked", MG_EVENT_CLICKED},
        {"unsubscribed", MG_EVENT_UNSUBSCRIBED},
        {"complained", MG_EVENT_SPAM},
    }};
    for (const auto& [event, kind] : kinds) {
        if (event == name) {
            return kind;
        }
    }
    return std::nullopt;
}

// Unix seconds (Mailgun sends a float with microseconds), or 0 (the host then uses the time of
// receipt) when there is no usable number.
std::int64_t occurred_at(const json::object& data)
{
    const json::value* ts = data.if_contains("timestamp");
    if (ts == nullptr || !ts->is_number()) {
        return 0;
    }
    json::error_code ec;
    double seconds = ts->to_number<double>(ec);
    // The range check keeps the conversion defined; 2^53 is far beyond any real date.
    return ec || !(seconds >= 0 && seconds < 9007199254740992.0)
               ? 0
               : static_cast<std::int64_t>(std::floor(seconds));
}

// The receiving server's words where Mailgun has them, else Mailgun's reason.
std::string_view description(const json::object& data)
{
    if (const json::object* status = object_field(data, "delivery-status")) {
        for (std::string_view key : {"description", "message"}) {
            std::string_view text = string_field(*status, key).value_or("");
            if (!text.empty()) {
                return text;
            }
        }
    }
    return string_field(data, "reason").value_or("");
}

std::string detail_json(const json::object& data)
{
    json::object detail;
    for (std::string_view key : {"severity", "reason", "url"}) {
        if (std::optional<std::string_view> value = string_field(data, key)) {
            detail[key] = *value;
        }
    }
    const json::object* status = object_field(data, "delivery-status");
    if (const json::value* code = status ? status->if_contains("code") : nullptr) {
        detail["code"] = *code;
    }
    const json::object* message = object_field(data, "message");
    const json::object* headers = message ? object_field(*message, "headers") : nullptr;
    if (std::optional<std::string_view> id =
            headers ? string_field(*headers, "message-id") : std::nullopt) {
        detail["message-id"] = *id;
    }
    return detail.empty() ? std::string() : sdk::echo_json(std::move(detail));
}

// The token comes back in user-variables; nothing when the message had none.
const json::value* echoed_meta(const json::object& data)
{
    const json::object* variables = object_field(data, "user-variables");
    return variables != nullptr ? variables->if_contains(meta_key) : nullptr;
}

// Checks the event type, the recipient, then meta: the reason Mailgun gets is the first thing
// wrong, and meta is checked last because verifying it needs the address it names. Meta is
// optional: mail sent through Mailgun around the gateway has none, and its events still count
// for the address.
void parse_event(const json::object& data, const sdk::callback_sink& sink)
{
    auto reject = [&](std::string_view reason) { sink.reject(sdk::echo_json(data), reason); };
    std::optional<std::string_view> name = string_field(data, "event");
    std::optional<std::int32_t> kind = name ? event_kind(*name, data) : std::nullopt;
    if (!kind) {
        reject(sdk::responses::unmapped_event);
        return;
    }
    std::optional<std::string_view> email = string_field(data, "recipient");
    if (!email || email->empty()) {
        reject(sdk::responses::invalid_email);
        return;
    }
    const json::value* meta = echoed_meta(data);
    if (meta != nullptr && (!meta->is_string() || !sink.verify_meta(meta->get_string(), *email))) {
        reject(sdk::responses::invalid_meta);
        return;
    }
    std::string detail = detail_json(data);
    sdk::event event;
    event.kind = *kind;
    event.flags = *kind == MG_EVENT_DROPPED ? MG_EVENT_FLAG_PERMANENT : 0;
    event.occurred_at = occurred_at(data);
    event.email = *email;
    event.meta = meta != nullptr ? std::string_view(meta->get_string()) : std::string_view();
    event.description = description(data);
    // Mailgun's event id is the idempotency key: a retried webhook repeats it.
    event.provider_event_id = string_field(data, "id").value_or("");
    event.detail_json = detail;
    sink.emit(event);
}

class mailgun_driver final : public sdk::driver {
public:
    static constexpr const char* id = "mailgun";
    static constexpr const char* version = "1.0.0";
    static constexpr const char* description = "Mailgun: SMTP sending and signed webhooks";
    static constexpr std::uint64_t capabilities = MG_CAP_CALLBACKS | MG_CAP_DECORATE | MG_CAP_SMTP;
    static constexpr std::uint32_t max_callback_events = max_items;
    static constexpr auto options = options_table;

    mailgun_driver(const sdk::config_view& config, sdk::host_context host)
        : driver(host), signing_key_(read_signing_key(config)), tolerance_(read_tolerance(config)),
          replay_guard_(read_replay_cache_size(config))
    {
        sdk::read_smtp_settings(config);
    }

    void decorate(const sdk::outbound_message& message, const sdk::header_sink& headers) const
    {
        // Without the token Mailgun's events about this message could never be attributed.
        if (message.meta().empty()) {
            throw sdk::error(MG_BAD_REQUEST, "the message has no meta token to stamp");
        }
        headers.add(variables_header, json::serialize(json::object{{meta_key, message.meta()}}));
        if (!message.campaign_id().empty()) {
            headers.add(tag_header, message.campaign_id());
        }
    }

    void parse_callback(const sdk::callback_request& request, const sdk::callback_sink& sink) const
    {
        // Operators' checks probe a callback URL with HEAD, without a signature.
        if (request.method() == "HEAD") {
            return;
        }
        if (request.method() != "POST") {
            throw sdk::error(MG_UNSUPPORTED, "method not allowed");
        }
        if (request.body().size() > max_body_bytes) {
            throw sdk::bad_request("a Mailgun webhook carries one event; this body is over " +
                                   std::to_string(max_body_bytes) + " bytes");
        }
        // The parsed tree lives only for this call: a monotonic arena frees it in one go.
        json::monotonic_resource arena;
        json::value root = sdk::parse_json_body(request.body(), &arena);
        const json::object* fields = root.if_object();
        if (fields == nullptr) {
            throw sdk::bad_request(sdk::responses::missing_parameters);
        }
        // Before the event is read: an unsigned caller learns nothing about it.
        std::string_view token = authenticate(*fields);
        const json::object* data = object_field(*fields, "event-data");
        if (data == nullptr) {
            throw sdk::bad_request(sdk::responses::missing_parameters);
        }
        // A retry of one delivery may repeat its token with the same event; another event under
        // a token already seen is a captured signature put to other use.
        if (!replay_guard_.admit(token, string_field(*data, "id").value_or(""))) {
            throw sdk::unauthorized(reused_token);
        }
        parse_event(*data, sink);
    }

private:
    // The signature covers the timestamp and token only, not the event: the tolerance bounds
    // how long a captured signature can be reused. A subaccount's webhook also carries a
    // parent-signature under the primary account's key, so either key may be configured.
    // Returns the verified token.
    std::string_view authenticate(const json::object& fields) const
    {
        const json::object* signature = object_field(fields, "signature");
        std::optional<std::string_view> timestamp =
            signature ? string_field(*signature, "timestamp") : std::nullopt;
        std::optional<std::string_view> token =
            signature ? string_field(*signature, "token") : std::nullopt;
        std::optional<std::int64_t> sent =
            timestamp ? sdk::parse_unix_seconds(*timestamp) : std::nullopt;
        if (!sent || !token || token->empty() || token->size() > max_token_bytes) {
            throw sdk::unauthorized(bad_signature);
        }
        std::string signed_text(*timestamp);
        signed_text += *token;
        std::string expected = hex_hmac_sha256(signing_key_, signed_text);
        // Both sides are lower-case hex of the same 32 bytes, so comparing the text is comparing
        // the digests; any other spelling is refused.
        auto matches = [&](std::string_view key) {
            std::optional<std::string_view> given = string_field(*signature, key);
            return given && sdk::constant_time_equals(*given, expected);
        };
        // Both are compared, so the time taken does not say which one matched.
        bool own = matches("signature");
        bool parent = matches("parent-signature");
        if (!own && !parent) {
            throw sdk::unauthorized(bad_signature);
        }
        // Mailgun warns that its webhooks can be delayed, so the default window is generous.
        if (tolerance_ > 0 && !sdk::within_tolerance(*sent, sdk::unix_now(), tolerance_)) {
            throw sdk::unauthorized(stale_signature);
        }
        return *token;
    }

    std::string signing_key_;
    std::int64_t tolerance_;
    // The one state calls share, behind its own lock: parse_callback stays safe to run
    // concurrently on this instance.
    mutable mailgun::replay_guard replay_guard_;
};

} // namespace

MAILGATE_DRIVER(mailgun_driver)
