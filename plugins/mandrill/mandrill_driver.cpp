// The `mandrill` driver: mail sent through Mandrill's (Mailchimp Transactional's) SMTP relay, and
// Mandrill's webhooks: a form POST whose one field, mandrill_events, holds a JSON array of up to
// 1000 message and sync events, signed with X-Mandrill-Signature (esp-formats.md §2).
// decorate() puts the meta token in X-MC-Metadata, which Mandrill echoes in every message
// event's msg.metadata, so each event is attributed to the message it is about.

#include <mailgate/sdk/driver.hpp>
#include <mailgate/sdk/json.hpp>
#include <mailgate/sdk/smtp.hpp>

// Boost.JSON's and Boost.URL's implementations are compiled into this module alone. The module
// exports nothing but mg_driver_entry, so neither can clash with another driver's or the host's
// Boost.
#include <boost/json/src.hpp>
#include <boost/url/src.hpp>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

namespace json = boost::json;
namespace sdk = mailgate::sdk;
using sdk::object_field;
using sdk::string_field;

// Mandrill's documented limit on the events of one batch.
constexpr std::uint32_t max_items = 1000;
// Mandrill's limit on a message's metadata, as JSON text ("Using Custom Message Metadata"). A meta
// token is at most 189 characters, so the header fits with room to spare.
constexpr std::size_t max_metadata_bytes = 250;

// The metadata key our token travels under: Mandrill allows letters, digits and underscores,
// not a leading underscore.
constexpr const char* meta_key = "mailgate_meta";
constexpr const char* events_field = "mandrill_events";
constexpr const char* form_type = "application/x-www-form-urlencoded";

constexpr const char* bad_signature = "missing or wrong X-Mandrill-Signature";

// The standard SMTP set, with `replacement` in place of the entry of the same name.
constexpr std::array<mg_option, sdk::smtp_options.size()>
with_option(std::array<mg_option, sdk::smtp_options.size()> options, mg_option replacement)
{
    for (mg_option& o : options) {
        if (std::string_view(o.name) == replacement.name) {
            o = replacement;
        }
    }
    return options;
}

// Mandrill's relay is the same for every account, so `host` has a default rather than being
// required; 587 with STARTTLS is the standard set's default already. Mandrill authenticates by
// the API key alone.
constexpr auto mandrill_smtp_options = with_option(
    with_option(
        with_option(sdk::smtp_options, sdk::option(MG_OPTION_STRING, "host", "Mandrill's SMTP host",
                                                   "smtp.mandrillapp.com")),
        sdk::option(MG_OPTION_STRING, "username",
                    "the Mandrill username (the account's primary contact email)", "")),
    sdk::option(MG_OPTION_STRING, "password", "a Mandrill API key", "", MG_OPTION_SECRET));

constexpr std::array<mg_option, 3> own_options{
    sdk::option(MG_OPTION_STRING, "webhook_key",
                "the webhook's key from Mandrill (Settings > Webhooks); webhook signatures are "
                "verified with it",
                nullptr, MG_OPTION_SECRET),
    sdk::option(MG_OPTION_STRING, "webhook_url",
                "the webhook URL exactly as entered at Mandrill (it is signed); default: the "
                "provider's public callback URL"),
    sdk::option(MG_OPTION_BOOL, "allow_unsigned",
                "accept webhooks without a signature check when webhook_key is not set", "false"),
};

struct form_field {
    std::string name;
    std::string value;
};

std::string_view trim(std::string_view text)
{
    constexpr std::string_view blanks = " \t";
    std::size_t first = text.find_first_not_of(blanks);
    if (first == std::string_view::npos) {
        return {};
    }
    return text.substr(first, text.find_last_not_of(blanks) - first + 1);
}

// The media type compares without case and may carry parameters (RFC 9110, 8.3.1).
bool is_form(std::optional<std::string_view> content_type)
{
    return content_type &&
           sdk::iequals(trim(content_type->substr(0, content_type->find(';'))), form_type);
}

// The body's fields, decoded as HTML forms encode them: '+' is a space, a literal '+' comes as
// %2B. The signature covers the decoded values, so the form is read before it is checked.
std::vector<form_field> read_form(std::string_view body)
{
    // Boost.URL 1.81's parse_query takes an empty view's data pointer for a C string, and an
    // empty body's view has a null one.
    if (body.empty()) {
        return {};
    }
    boost::urls::result<boost::urls::params_encoded_view> parsed = boost::urls::parse_query(body);
    if (!parsed) {
        throw sdk::bad_request(sdk::responses::unreadable_body);
    }
    boost::urls::encoding_opts form_decoding;
    form_decoding.space_as_plus = true;
    std::vector<form_field> fields;
    for (const boost::urls::param& field : boost::urls::params_view(*parsed, form_decoding)) {
        fields.push_back({field.key, field.value});
    }
    return fields;
}

// base64(HMAC-SHA1(key, url + each field's name and value, sorted by name)), as Mandrill's
// "Authenticating webhook requests" describes it.
std::string signature(std::string_view key, std::string_view url, std::vector<form_field> fields)
{
    std::stable_sort(fields.begin(), fields.end(),
                     [](const form_field& a, const form_field& b) { return a.name < b.name; });
    std::string signed_text(url);
    for (const form_field& field : fields) {
        signed_text += field.name;
        signed_text += field.value;
    }
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int digest_size = 0;
    if (HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(signed_text.data()), signed_text.size(),
             digest.data(), &digest_size) == nullptr) {
        throw sdk::error(MG_INTERNAL_ERROR, "HMAC-SHA1 failed");
    }
    std::array<unsigned char, (EVP_MAX_MD_SIZE + 2) / 3 * 4 + 1> text{};
    int text_size = EVP_EncodeBlock(text.data(), digest.data(), static_cast<int>(digest_size));
    return std::string(reinterpret_cast<const char*>(text.data()), text_size);
}

// The one mandrill_events value: a second one would leave open which of them is the batch.
std::string_view events_value(const std::vector<form_field>& fields)
{
    auto named = [](const form_field& field) { return field.name == events_field; };
    auto found = std::find_if(fields.begin(), fields.end(), named);
    if (found == fields.end()) {
        throw sdk::bad_request(sdk::responses::missing_parameters);
    }
    if (std::find_if(std::next(found), fields.end(), named) != fields.end()) {
        throw sdk::bad_request("mandrill_events given more than once");
    }
    return found->value;
}

// Checks the batch and its size before anything is emitted, so a malformed or oversized batch
// is refused as a whole rather than after some of its events went out.
const json::array& batch_items(const json::value& root)
{
    const json::array* items = root.if_array();
    if (items == nullptr) {
        throw sdk::bad_request(sdk::responses::missing_parameters);
    }
    if (items->size() > max_items) {
        throw sdk::error(MG_TOO_MANY_EVENTS, sdk::responses::too_many_events);
    }
    return *items;
}

// Unix seconds, or 0 (the host then uses the time of receipt) when `ts` is not an integer.
std::int64_t timestamp(const json::object& fields)
{
    const json::value* ts = fields.if_contains("ts");
    if (ts == nullptr) {
        return 0;
    }
    json::error_code ec;
    std::int64_t seconds = ts->to_number<std::int64_t>(ec);
    return ec ? 0 : seconds;
}

// Copies the string values among `keys` (others are null or absent in Mandrill's events).
void copy_strings(json::object& out, const json::object& from,
                  std::initializer_list<std::string_view> keys)
{
    for (std::string_view key : keys) {
        if (std::optional<std::string_view> value = string_field(from, key)) {
            out[key] = *value;
        }
    }
}

std::string detail_text(const json::object& detail)
{
    return detail.empty() ? std::string() : json::serialize(detail);
}

std::optional<std::int32_t> message_event_kind(std::string_view event)
{
    // `send` is Mandrill's own hand-over ("sent"); `delivered`, which Mailchimp Transactional
    // sends now, is the receiving server's acceptance.
    static constexpr std::array<std::pair<std::string_view, std::int32_t>, 10> kinds{{
        {"hard_bounce", MG_EVENT_HARD_BOUNCE},
        {"soft_bounce", MG_EVENT_SOFT_BOUNCE},
        {"reject", MG_EVENT_DROPPED},
        {"spam", MG_EVENT_SPAM},
        {"unsub", MG_EVENT_UNSUBSCRIBED},
        {"deferral", MG_EVENT_DEFERRED},
        {"send", MG_EVENT_PROCESSED},
        {"delivered", MG_EVENT_DELIVERED},
        {"open", MG_EVENT_OPENED},
        {"click", MG_EVENT_CLICKED},
    }};
    for (const auto& [name, kind] : kinds) {
        if (name == event) {
            return kind;
        }
    }
    return std::nullopt;
}

// A rejection is permanent when its cause stays with the address: the recipient bounced hard,
// complained, unsubscribed, was denylisted by hand (custom) or is not a valid address. A
// soft-bounce rejection expires, and the other reasons (unsigned sending domain, invalid
// sender, test mode, a sending rule) say nothing about the recipient.
bool is_permanent_reject(const json::object& msg)
{
    static constexpr std::array<std::string_view, 5> permanent_reasons{
        "hard-bounce", "spam", "unsub", "custom", "invalid"};
    // The states a message is left in when its recipient is gone for good.
    static constexpr std::array<std::string_view, 3> permanent_states{"bounced", "spam", "unsub"};
    auto listed = [](const auto& list, std::optional<std::string_view> value) {
        return value && std::find(list.begin(), list.end(), *value) != list.end();
    };
    const json::object* reject = object_field(msg, "reject");
    return listed(permanent_states, string_field(msg, "state")) ||
           (reject != nullptr && listed(permanent_reasons, string_field(*reject, "reason")));
}

// The token comes back in msg.metadata (sent as [] when the message had none); nothing when it
// is not there.
const json::value* echoed_meta(const json::object& msg)
{
    const json::object* metadata = object_field(msg, "metadata");
    return metadata != nullptr ? metadata->if_contains(meta_key) : nullptr;
}

std::string message_detail(const json::object& fields, const json::object& msg)
{
    json::object detail;
    copy_strings(detail, msg, {"bounce_description", "diag", "state", "_id", "subaccount"});
    copy_strings(detail, fields, {"url"});
    return detail_text(detail);
}

// Mandrill's bounce_description in the gateway's reason names; "general" and anything newer
// leave the reason to the host, which reads it from the diagnostic.
std::string_view bounce_reason(std::optional<std::string_view> description)
{
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 5> reasons{{
        {"bad_mailbox", "userunknown"},
        {"invalid_domain", "hostunknown"},
        {"mailbox_full", "mailboxfull"},
        {"spam_related", "spamdetected"},
        {"invalid_content", "contenterror"},
    }};
    for (const auto& [from, to] : reasons) {
        if (description == from) {
            return to;
        }
    }
    return {};
}

// The remote server's words: msg.diag on a bounce, the newest of msg.smtp_events on a deferral.
// Mandrill prefixes the diagnostic type ("smtp;550 5.1.1 ..."), which is no part of the reply.
struct diagnostic {
    std::string_view text;
    std::string_view remote_mta;
};

diagnostic diagnostic_of(const json::object& msg)
{
    diagnostic out;
    out.text = string_field(msg, "diag").value_or("");
    if (const json::value* events = msg.if_contains("smtp_events");
        events != nullptr && events->is_array() && !events->get_array().empty() &&
        events->get_array().back().is_object()) {
        const json::object& last = events->get_array().back().get_object();
        if (out.text.empty()) {
            out.text = string_field(last, "diag").value_or("");
        }
        out.remote_mta = string_field(last, "destination_ip").value_or("");
    }
    if (out.text.starts_with("smtp;")) {
        out.text.remove_prefix(5);
    }
    return out;
}

// Mandrill's top-level _id is the message's (it equals msg._id), so alone it would make every
// event after a message's first a duplicate: the event's name and time make it the event's.
std::string event_id(const json::object& fields, std::string_view type)
{
    const std::optional<std::string_view> id = string_field(fields, "_id");
    if (!id) {
        return {};
    }
    const json::value* ts = fields.if_contains("ts");
    return std::string(*id) + ":" + std::string(type) + ":" +
           (ts != nullptr ? json::serialize(*ts) : std::string());
}

// Checks the event type, the recipient, then meta: the reason Mandrill gets is the first thing
// wrong, and meta is checked last because verifying it needs the address it names. Meta is
// optional: mail sent through Mandrill by other means than the gateway has none, and its events
// still count for the address.
void parse_message_event(const json::value& item, const json::object& fields,
                         const sdk::callback_sink& sink)
{
    auto reject = [&](std::string_view reason) { sink.reject(sdk::echo_json(item), reason); };
    std::optional<std::string_view> type = string_field(fields, "event");
    std::optional<std::int32_t> kind = type ? message_event_kind(*type) : std::nullopt;
    if (!kind) {
        reject(sdk::responses::unmapped_event);
        return;
    }
    const json::object* msg = object_field(fields, "msg");
    std::optional<std::string_view> email = msg ? string_field(*msg, "email") : std::nullopt;
    if (!email) {
        reject(sdk::responses::invalid_email);
        return;
    }
    const json::value* meta = echoed_meta(*msg);
    if (meta != nullptr && (!meta->is_string() || !sink.verify_meta(meta->get_string(), *email))) {
        reject(sdk::responses::invalid_meta);
        return;
    }
    std::string detail = message_detail(fields, *msg);
    sdk::event event;
    event.kind = *kind;
    event.flags =
        *kind == MG_EVENT_DROPPED && is_permanent_reject(*msg) ? MG_EVENT_FLAG_PERMANENT : 0;
    event.occurred_at = timestamp(fields);
    event.email = *email;
    event.meta = meta != nullptr ? std::string_view(meta->get_string()) : std::string_view();
    const diagnostic diag = diagnostic_of(*msg);
    event.description = diag.text;
    event.remote_mta = diag.remote_mta;
    // A reject is Mandrill refusing to send: its own list, whatever put the address there.
    event.reason = *kind == MG_EVENT_DROPPED
                       ? std::string_view("suppressed")
                       : bounce_reason(string_field(*msg, "bounce_description"));
    // A retried batch repeats it; another event of the same message does not.
    const std::string id = event_id(fields, *type);
    event.provider_event_id = id;
    event.detail_json = detail;
    sink.emit(event);
}

// The object of a sync event that names the address: the docs now say allowlist and denylist,
// captured payloads still say whitelist and blacklist, so both are read.
const char* sync_entry_key(std::string_view type)
{
    if (type == "whitelist" || type == "allowlist") {
        return "entry";
    }
    if (type == "blacklist" || type == "denylist") {
        return "reject";
    }
    return nullptr;
}

// The denylist entries that say the address is gone or does not want mail: the gateway
// suppresses it as it would on the bounce or complaint itself. A soft bounce's entry expires,
// and a manual ("custom") one is the Mandrill account's own choice, which the gateway does not
// read into the recipient.
std::string_view denylist_reason(std::optional<std::string_view> reason)
{
    if (reason == "hard-bounce") {
        return "userunknown";
    }
    if (reason == "spam") {
        return "feedback";
    }
    return {};
}

// A change to Mandrill's own allow or deny list. It carries no message, hence no meta and no
// _id: the host hashes it to recognise a retry.
void parse_sync_event(const json::value& item, const json::object& fields,
                      const sdk::callback_sink& sink)
{
    auto reject = [&](std::string_view reason) { sink.reject(sdk::echo_json(item), reason); };
    std::optional<std::string_view> type = string_field(fields, "type");
    const char* entry_key = type ? sync_entry_key(*type) : nullptr;
    std::optional<std::string_view> action = string_field(fields, "action");
    if (entry_key == nullptr || !action) {
        reject(sdk::responses::unmapped_event);
        return;
    }
    const json::object* entry = object_field(fields, entry_key);
    std::optional<std::string_view> email = entry ? string_field(*entry, "email") : std::nullopt;
    if (!email) {
        reject(sdk::responses::invalid_email);
        return;
    }
    json::object detail{{"type", *type}, {"action", *action}};
    copy_strings(detail, *entry, {"reason", "subaccount"});
    std::string detail_json = detail_text(detail);
    sdk::event event;
    event.kind = MG_EVENT_LIST_SYNC;
    if (std::string_view(entry_key) == "reject" && *action != "remove") {
        const std::string_view why = denylist_reason(string_field(*entry, "reason"));
        event.reason = why;
        event.flags = why.empty() ? 0 : MG_EVENT_FLAG_PERMANENT;
    }
    event.occurred_at = timestamp(fields);
    event.email = *email;
    event.description = string_field(*entry, "detail").value_or("");
    event.detail_json = detail_json;
    sink.emit(event);
}

// Message events name their kind in `event`; sync events have no `event` key, only `type`.
void parse_item(const json::value& item, const sdk::callback_sink& sink)
{
    const json::object* fields = item.if_object();
    if (fields == nullptr) {
        sink.reject(sdk::echo_json(item), sdk::responses::missing_parameters);
    } else if (fields->contains("event")) {
        parse_message_event(item, *fields, sink);
    } else {
        parse_sync_event(item, *fields, sink);
    }
}

std::optional<std::string> read_webhook_key(const sdk::config_view& config)
{
    std::optional<std::string> key = config.optional_string("webhook_key");
    if (key && key->empty()) {
        throw sdk::config_error("webhook_key", "must not be empty");
    }
    return key;
}

std::optional<std::string> read_webhook_url(const sdk::config_view& config)
{
    std::optional<std::string> url = config.optional_string("webhook_url");
    if (url && !boost::urls::parse_absolute_uri(*url)) {
        throw sdk::config_error("webhook_url", "must be an absolute URL, exactly as entered at "
                                               "Mandrill, not '" +
                                                   *url + "'");
    }
    return url;
}

class mandrill_driver final : public sdk::driver {
public:
    static constexpr const char* id = "mandrill";
    static constexpr const char* version = "1.0.0";
    static constexpr const char* description =
        "Mandrill (Mailchimp Transactional): SMTP sending and signed webhooks";
    static constexpr std::uint64_t capabilities = MG_CAP_CALLBACKS | MG_CAP_DECORATE | MG_CAP_SMTP;
    static constexpr std::uint32_t max_callback_events = max_items;
    static constexpr auto options = sdk::join_options(mandrill_smtp_options, own_options);

    mandrill_driver(const sdk::config_view& config, sdk::host_context host)
        : driver(host), webhook_key_(read_webhook_key(config)),
          webhook_url_(read_webhook_url(config))
    {
        sdk::read_smtp_settings(config);
        if (!webhook_key_) {
            // Unsigned webhooks let anyone who finds the URL suppress addresses: only on request.
            if (!config.boolean("allow_unsigned")) {
                throw sdk::config_error("webhook_key",
                                        "is required (copy the webhook's key from Mandrill, "
                                        "Settings > Webhooks), unless allow_unsigned is true");
            }
            // Said at every start, since nothing else would tell the operator.
            this->host().warn("webhook_key is not set and allow_unsigned is true: webhooks are "
                              "accepted without a signature check; keep the callback URL where "
                              "only Mandrill can reach it");
        }
    }

    void decorate(const sdk::outbound_message& message, const sdk::header_sink& headers) const
    {
        // Without the token Mandrill's events about this message could never be attributed.
        if (message.meta().empty()) {
            throw sdk::error(MG_BAD_REQUEST, "the message has no meta token to stamp");
        }
        std::string metadata = json::serialize(json::object{{meta_key, message.meta()}});
        // Over the limit the token might not come back, and the message's events could not be
        // attributed.
        if (metadata.size() > max_metadata_bytes) {
            throw sdk::error(MG_BAD_REQUEST, "X-MC-Metadata would be " +
                                                 std::to_string(metadata.size()) +
                                                 " bytes, over Mandrill's limit of " +
                                                 std::to_string(max_metadata_bytes));
        }
        headers.add("X-MC-Metadata", metadata);
        if (!message.campaign_id().empty()) {
            headers.add("X-MC-Tags", message.campaign_id());
        }
    }

    void parse_callback(const sdk::callback_request& request, const sdk::callback_sink& sink) const
    {
        // Mandrill checks the URL with an unsigned HEAD when the webhook is added, before the
        // operator even has its key.
        if (request.method() == "HEAD") {
            return;
        }
        if (request.method() != "POST") {
            throw sdk::error(MG_UNSUPPORTED, "method not allowed");
        }
        if (!is_form(request.header("Content-Type"))) {
            throw sdk::bad_request(std::string("Content-Type must be ") + form_type);
        }
        std::vector<form_field> form = read_form(request.body());
        // Before the events are read: an unsigned caller learns nothing about them.
        authenticate(request, form);
        // The parsed tree lives only for this call: a monotonic arena frees it in one go.
        json::monotonic_resource arena;
        json::value root = sdk::parse_json_body(events_value(form), &arena);
        // An empty batch is the probe Mandrill posts when the HEAD check failed: nothing to do.
        for (const json::value& item : batch_items(root)) {
            parse_item(item, sink);
        }
    }

private:
    void authenticate(const sdk::callback_request& request,
                      const std::vector<form_field>& form) const
    {
        if (!webhook_key_) {
            return;
        }
        // Mailchimp's newer docs name the header X-Mailchimp-Signature.
        std::optional<std::string_view> given = request.header("X-Mandrill-Signature");
        if (!given) {
            given = request.header("X-Mailchimp-Signature");
        }
        // The URL as Mandrill has it, which a proxy may have rewritten on the way here.
        std::string_view url =
            webhook_url_ ? std::string_view(*webhook_url_) : request.public_url();
        // Both sides are canonical padded base64 of the same 20 bytes, so comparing the text is
        // comparing the digests; any other spelling of them is refused.
        if (!given || !sdk::constant_time_equals(*given, signature(*webhook_key_, url, form))) {
            throw sdk::unauthorized(bad_signature);
        }
    }

    std::optional<std::string> webhook_key_;
    std::optional<std::string> webhook_url_;
};

} // namespace

MAILGATE_DRIVER(mandrill_driver)
