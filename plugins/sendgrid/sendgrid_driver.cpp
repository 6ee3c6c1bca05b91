// The `sendgrid` driver: mail goes out through SendGrid's SMTP relay, stamped with an
// X-SMTPAPI header whose unique arg carries the meta token; SendGrid's Event Webhook posts
// the events back as a JSON array, each event with that arg flattened into it
// (esp-formats.md §1). With a verification key, every webhook must carry a valid Signed Event
// Webhook signature (event_signature.hpp).

#include "event_signature.hpp"

#include <mailgate/sdk/callback_token.hpp>
#include <mailgate/sdk/driver.hpp>
#include <mailgate/sdk/json.hpp>
#include <mailgate/sdk/smtp.hpp>
#include <mailgate/sdk/timestamp.hpp>

// Boost.JSON's and Boost.URL's implementations are compiled into this module alone. The module
// exports nothing but mg_driver_entry, so neither can clash with another driver's or the host's
// Boost.
#include <boost/json/src.hpp>
#include <boost/url/src.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace {

namespace json = boost::json;
namespace sdk = mailgate::sdk;
using mailgate::sendgrid::verification_key;
using sdk::string_field;

constexpr const char* smtpapi_header = "X-SMTPAPI";
// The unique arg our token travels in; SendGrid echoes it as a top-level key of every event.
constexpr const char* meta_arg = "mailgate_meta";
constexpr const char* signature_header = "X-Twilio-Email-Event-Webhook-Signature";
constexpr const char* timestamp_header = "X-Twilio-Email-Event-Webhook-Timestamp";

constexpr const char* bad_credentials = "missing or wrong callback credentials";
constexpr const char* bad_signature = "missing or invalid event webhook signature";
constexpr const char* stale_signature = "replayed or stale signature";

// The SMTP option set with SendGrid's relay as the defaults (esp-formats.md §1.7), and the
// webhook's own options.
constexpr std::array<mg_option, 13> options_table{
    sdk::option(MG_OPTION_STRING, "host", "SMTP server host name or IP address",
                "smtp.sendgrid.net"),
    sdk::option(MG_OPTION_INT, "port", "SMTP server port (587 with starttls, 465 with smtps)",
                "587"),
    sdk::option(MG_OPTION_STRING, "scheme",
                "smtp (plain), starttls (required) or smtps (implicit TLS)", "starttls"),
    sdk::option(MG_OPTION_STRING, "username", "SMTP user name: the literal word apikey", "apikey"),
    sdk::option(MG_OPTION_STRING, "password", "a SendGrid API key with Mail Send permission", "",
                MG_OPTION_SECRET),
    sdk::option(MG_OPTION_STRING, "from_name", "default From display name", ""),
    sdk::option(MG_OPTION_STRING, "from_address", "default From address", ""),
    sdk::option(MG_OPTION_STRING, "reply_address", "Reply-To address", ""),
    sdk::option(MG_OPTION_STRING, "preference_center", "none, system, or a custom https URL",
                "none"),
    sdk::option(MG_OPTION_STRING, "verification_key",
                "the Signed Event Webhook's verification key (base64 DER ECDSA P-256 public "
                "key)"),
    sdk::option(MG_OPTION_INT, "signature_tolerance",
                "seconds a signed webhook's timestamp may be off from now; 0 turns the check off",
                "600"),
    sdk::option(MG_OPTION_BOOL, "allow_unsigned",
                "accept webhooks without a signature when no verification_key is set", "false"),
    sdk::option(MG_OPTION_STRING, "callback_token",
                "at least 16 characters a callback must carry as ?token= or Authorization: "
                "Bearer",
                nullptr, MG_OPTION_SECRET),
};

constexpr std::array<std::pair<std::string_view, std::int32_t>, 10> event_kinds{{
    {"processed", MG_EVENT_PROCESSED},
    {"delivered", MG_EVENT_DELIVERED},
    {"deferred", MG_EVENT_DEFERRED},
    {"dropped", MG_EVENT_DROPPED},
    {"open", MG_EVENT_OPENED},
    {"click", MG_EVENT_CLICKED},
    {"spamreport", MG_EVENT_SPAM},
    {"unsubscribe", MG_EVENT_UNSUBSCRIBED},
    {"group_unsubscribe", MG_EVENT_UNSUBSCRIBED},
    {"group_resubscribe", MG_EVENT_RESUBSCRIBED},
}};

// The drop reasons SendGrid gives for an address it will never send to again; the others
// (Invalid SMTPAPI header, Spam Content, Recipient List over Package Quota) are about the
// message or the account, not the address.
constexpr std::array<std::string_view, 4> permanent_drop_reasons{
    "Bounced Address", "Unsubscribed Address", "Spam Reporting Address", "Invalid"};

// The fields kept as an event's detail, in this order.
constexpr std::array<std::string_view, 8> detail_fields{
    "status",  "reason", "bounce_classification", "sg_message_id",
    "smtp-id", "type",   "asm_group_id",          "url"};

std::optional<verification_key> read_verification_key(const sdk::config_view& config)
{
    std::optional<std::string> text = config.optional_string("verification_key");
    if (!text) {
        return std::nullopt;
    }
    try {
        return verification_key(*text);
    } catch (const std::invalid_argument& e) {
        throw sdk::config_error("verification_key", e.what());
    }
}

std::int64_t read_tolerance(const sdk::config_view& config)
{
    std::int64_t seconds = config.integer("signature_tolerance");
    if (seconds < 0) {
        throw sdk::config_error("signature_tolerance", "must be 0 (off) or a number of seconds");
    }
    return seconds;
}

// SendGrid always posts an array of event objects; anything else is refused whole, before any
// event is emitted.
const json::array& event_objects(const json::value& root)
{
    const json::array* events = root.if_array();
    if (events == nullptr ||
        !std::all_of(events->begin(), events->end(),
                     [](const json::value& event) { return event.is_object(); })) {
        throw sdk::bad_request(sdk::responses::missing_parameters);
    }
    return *events;
}

std::optional<std::int64_t> integer_field(const json::object& fields, std::string_view key)
{
    const json::value* value = fields.if_contains(key);
    if (value != nullptr && value->is_int64()) {
        return value->get_int64();
    }
    if (value != nullptr && value->is_uint64() &&
        value->get_uint64() <= std::uint64_t(std::numeric_limits<std::int64_t>::max())) {
        return static_cast<std::int64_t>(value->get_uint64());
    }
    return std::nullopt;
}

// SendGrid's Event Webhook reference defines `bounce` as a permanent refusal and `type:
// blocked` (and `expired`) as the temporary kinds; a bounce without `type`, as older accounts and
// the docs' own samples send it, is the permanent kind.
std::optional<std::int32_t> event_kind(std::string_view name, const json::object& fields)
{
    if (name == "bounce") {
        const bool permanent = !fields.contains("type") || string_field(fields, "type") == "bounce";
        return permanent ? MG_EVENT_HARD_BOUNCE : MG_EVENT_SOFT_BOUNCE;
    }
    for (const auto& [event, kind] : event_kinds) {
        if (event == name) {
            return kind;
        }
    }
    return std::nullopt;
}

// SendGrid's bounce_classification in the gateway's reason names. "Technical", "Mailbox
// Unavailable" and "Unclassified" cover several reasons: the host reads those from the reply.
constexpr std::array<std::pair<std::string_view, std::string_view>, 4> classifications{{
    {"Invalid Address", "userunknown"},
    {"Reputation", "badreputation"},
    {"Content", "spamdetected"},
    {"Frequency or Volume Too High", "speeding"},
}};

// The drops whose cause SendGrid names; the others are the message's or the account's.
constexpr std::array<std::pair<std::string_view, std::string_view>, 5> drop_reasons{{
    {"Bounced Address", "suppressed"},
    {"Unsubscribed Address", "suppressed"},
    {"Spam Reporting Address", "suppressed"},
    {"Invalid", "syntaxerror"},
    {"Spam Content", "spamdetected"},
}};

template <std::size_t N>
std::string_view lookup(const std::array<std::pair<std::string_view, std::string_view>, N>& table,
                        std::optional<std::string_view> key)
{
    for (const auto& [from, to] : table) {
        if (key == from) {
            return to;
        }
    }
    return {};
}

std::string_view reason_of(std::int32_t kind, const json::object& fields)
{
    if (kind == MG_EVENT_DROPPED) {
        return lookup(drop_reasons, string_field(fields, "reason"));
    }
    return lookup(classifications, string_field(fields, "bounce_classification"));
}

// Marketing Campaigns stamp events in milliseconds; no event is from before 1973 or after 5138,
// so a value past 10^11 can only be milliseconds.
std::int64_t unix_seconds(std::int64_t stamp)
{
    constexpr std::int64_t milliseconds_from = 100'000'000'000;
    return stamp >= milliseconds_from ? stamp / 1000 : stamp;
}

std::uint32_t event_flags(std::int32_t kind, const json::object& fields)
{
    std::optional<std::string_view> reason = string_field(fields, "reason");
    bool permanent = kind == MG_EVENT_DROPPED && reason &&
                     std::find(permanent_drop_reasons.begin(), permanent_drop_reasons.end(),
                               *reason) != permanent_drop_reasons.end();
    return permanent ? MG_EVENT_FLAG_PERMANENT : 0;
}

// SendGrid's `reason` where it gives one; a delivery or a deferral may carry only the receiving
// server's SMTP `response`.
std::string_view description(std::int32_t kind, const json::object& fields)
{
    std::optional<std::string_view> reason = string_field(fields, "reason");
    if (!reason && (kind == MG_EVENT_DELIVERED || kind == MG_EVENT_DEFERRED)) {
        return string_field(fields, "response").value_or("");
    }
    return reason.value_or("");
}

std::string detail_json(const json::object& fields)
{
    json::object detail;
    for (std::string_view key : detail_fields) {
        if (const json::value* value = fields.if_contains(key)) {
            detail.emplace(key, *value);
        }
    }
    return detail.empty() ? std::string() : sdk::echo_json(std::move(detail));
}

// Checks the required fields, the event name, then meta: meta last because verifying it needs
// the email it names. An event without meta is still stored: SendGrid reports on mail sent
// around the gateway too, and bounces returned to the Return-Path lose their unique args.
void parse_event(const json::object& fields, const sdk::callback_sink& sink)
{
    auto reject = [&](std::string_view reason) { sink.reject(sdk::echo_json(fields), reason); };
    std::optional<std::string_view> name = string_field(fields, "event");
    std::optional<std::string_view> email = string_field(fields, "email");
    std::optional<std::int64_t> timestamp = integer_field(fields, "timestamp");
    if (!name || !email || !timestamp) {
        reject(sdk::responses::missing_parameters);
        return;
    }
    std::optional<std::int32_t> kind = event_kind(*name, fields);
    if (!kind) {
        reject(sdk::responses::unmapped_event);
        return;
    }
    const json::value* meta = fields.if_contains(meta_arg);
    if (meta != nullptr && (!meta->is_string() || !sink.verify_meta(meta->get_string(), *email))) {
        reject(sdk::responses::invalid_meta);
        return;
    }
    std::string detail = detail_json(fields);
    sdk::event event;
    event.kind = *kind;
    event.flags = event_flags(*kind, fields);
    event.occurred_at = unix_seconds(*timestamp);
    event.email = *email;
    event.meta = meta != nullptr ? std::string_view(meta->get_string()) : std::string_view();
    event.description = description(*kind, fields);
    event.provider_event_id = string_field(fields, "sg_event_id").value_or("");
    event.detail_json = detail;
    event.reason = reason_of(*kind, fields);
    event.status = string_field(fields, "status").value_or("");
    sink.emit(event);
}

// An account notice, not a message event: answered as unprocessed with what it says, and said in
// the log, since a suspended account stops all sending.
void report_account_status(const json::object& fields, const sdk::callback_sink& sink,
                           const sdk::host_context& host)
{
    const std::string type(string_field(fields, "type").value_or("unknown"));
    host.warn("SendGrid reports an account status change: " + type);
    sink.reject(sdk::echo_json(fields),
                "account_status_change (" + type + ") is an account notice, not a message event");
}

class sendgrid_driver final : public sdk::driver {
public:
    static constexpr const char* id = "sendgrid";
    static constexpr const char* version = "1.0.0";
    static constexpr const char* description =
        "SendGrid: SMTP relay sending, signed Event Webhook callbacks";
    static constexpr std::uint64_t capabilities = MG_CAP_CALLBACKS | MG_CAP_DECORATE | MG_CAP_SMTP;
    // SendGrid bounds a batch by its size (768 KB), not by a count of events.
    static constexpr std::uint32_t max_callback_events = 0;
    static constexpr auto options = options_table;

    sendgrid_driver(const sdk::config_view& config, sdk::host_context host)
        : driver(host), key_(read_verification_key(config)), tolerance_(read_tolerance(config)),
          token_(sdk::read_callback_token(config))
    {
        sdk::read_smtp_settings(config);
        if (key_) {
            return;
        }
        if (!config.boolean("allow_unsigned")) {
            throw sdk::config_error("verification_key",
                                    "is required (or set allow_unsigned: true to accept "
                                    "unsigned webhooks)");
        }
        // Said at every start, since nothing else would tell the operator.
        this->host().warn("allow_unsigned is set and verification_key is not: event webhooks "
                          "are accepted without a signature check");
    }

    void decorate(const sdk::outbound_message& message, const sdk::header_sink& headers) const
    {
        // Without the token the webhook's events about this message could never be attributed.
        if (message.meta().empty()) {
            throw sdk::error(MG_BAD_REQUEST, "the message has no meta token to stamp");
        }
        json::object smtpapi;
        smtpapi["unique_args"] = json::object{{meta_arg, message.meta()}};
        if (!message.campaign_id().empty()) {
            smtpapi["category"] = json::array{message.campaign_id()};
        }
        headers.add(smtpapi_header, json::serialize(smtpapi));
    }

    void parse_callback(const sdk::callback_request& request, const sdk::callback_sink& sink) const
    {
        // SendGrid and operators' checks probe a callback URL with HEAD, without credentials.
        if (request.method() == "HEAD") {
            return;
        }
        if (request.method() != "POST") {
            throw sdk::error(MG_UNSUPPORTED, "method not allowed");
        }
        // Before the body is parsed: an unauthenticated caller learns nothing about the format.
        check_signature(request);
        check_token(request);
        // The parsed tree lives only for this call: a monotonic arena frees it in one go.
        json::monotonic_resource arena;
        json::value root = sdk::parse_json_body(request.body(), &arena);
        for (const json::value& event : event_objects(root)) {
            const json::object& fields = event.get_object();
            if (string_field(fields, "event") == "account_status_change") {
                report_account_status(fields, sink, host());
            } else {
                parse_event(fields, sink);
            }
        }
    }

private:
    // Over the raw body bytes: re-serialised JSON would not verify.
    void check_signature(const sdk::callback_request& request) const
    {
        if (!key_) {
            return;
        }
        std::optional<std::string_view> signature = request.header(signature_header);
        std::optional<std::string_view> timestamp = request.header(timestamp_header);
        std::optional<std::int64_t> sent =
            timestamp ? sdk::parse_unix_seconds(*timestamp) : std::nullopt;
        if (!signature || !sent || !key_->verify(*timestamp, request.body(), *signature)) {
            throw sdk::unauthorized(bad_signature);
        }
        // SendGrid sets no window of its own; without one a captured post could be replayed
        // forever.
        if (tolerance_ > 0 && !sdk::within_tolerance(*sent, sdk::unix_now(), tolerance_)) {
            throw sdk::unauthorized(stale_signature);
        }
    }

    void check_token(const sdk::callback_request& request) const
    {
        if (!token_) {
            return;
        }
        std::optional<std::string> in_query = sdk::query_parameter(request.target(), "token");
        if (!matches_token(in_query) && !matches_token(request.authorization("Bearer"))) {
            throw sdk::unauthorized(bad_credentials);
        }
    }

    bool matches_token(std::optional<std::string_view> given) const noexcept
    {
        return given && sdk::constant_time_equals(*given, *token_);
    }

    std::optional<verification_key> key_;
    std::int64_t tolerance_;
    std::optional<std::string> token_;
};

} // namespace

MAILGATE_DRIVER(sendgrid_driver)
