// The `smtp` driver: a provider reached over plain SMTP, STARTTLS or SMTPS (Gmail, Google
// Workspace, an ESP's relay, the operator's own MTA), whose bounces, spam reports and
// unsubscribes are posted in the gateway's v2 format:
// {"version":"v2","events":{"failed":[{"type","email","meta","description"}, ...]}}
// (see callback-formats.md). Every message is stamped with its meta token, which the callback
// must echo so each item is attributed to the message it is about.

#include <mailgate/sdk/callback_token.hpp>
#include <mailgate/sdk/driver.hpp>
#include <mailgate/sdk/json.hpp>
#include <mailgate/sdk/smtp.hpp>

// Boost.JSON's and Boost.URL's implementations are compiled into this module alone. The module
// exports nothing but mg_driver_entry, so neither can clash with another driver's or the host's
// Boost.
#include <boost/json/src.hpp>
#include <boost/url/src.hpp>

#include <boost/archive/iterators/base64_from_binary.hpp>
#include <boost/archive/iterators/transform_width.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace {

namespace json = boost::json;
namespace sdk = mailgate::sdk;

// The format's documented limit on the items of one callback.
constexpr std::uint32_t max_items = 1000;

// The header the ESP must echo back as `meta`.
constexpr const char* meta_header = "X-Mailgate-Meta";
// Where a callback may carry the shared token: ESPs that cannot set headers can still put it
// in the URL they post to.
constexpr const char* token_header = "X-Mailgate-Token";

constexpr const char* bad_credentials = "missing or wrong callback credentials";

constexpr std::array<mg_option, 4> own_options{
    sdk::option(MG_OPTION_BOOL, "verify_tls",
                "verify the SMTP server's certificate and host name when sending", "true"),
    sdk::option(MG_OPTION_STRING, "callback_token",
                "at least 16 characters a callback must carry as ?token=, X-Mailgate-Token or "
                "Authorization: Bearer",
                nullptr, MG_OPTION_SECRET),
    sdk::option(MG_OPTION_STRING, "callback_username",
                "user name a callback must send with HTTP Basic authentication"),
    sdk::option(MG_OPTION_STRING, "callback_password",
                "password a callback must send with HTTP Basic authentication", nullptr,
                MG_OPTION_SECRET),
};

std::optional<std::int32_t> event_kind(std::string_view type)
{
    if (type == "hard_bounce" || type == "bounce") {
        return MG_EVENT_HARD_BOUNCE;
    }
    if (type == "soft_bounce") {
        return MG_EVENT_SOFT_BOUNCE;
    }
    if (type == "spam") {
        return MG_EVENT_SPAM;
    }
    if (type == "unsubscribed") {
        return MG_EVENT_UNSUBSCRIBED;
    }
    return std::nullopt;
}

std::string base64(std::string_view bytes)
{
    namespace it = boost::archive::iterators;
    using encoder = it::base64_from_binary<it::transform_width<const char*, 6, 8>>;
    std::string out(encoder(bytes.data()), encoder(bytes.data() + bytes.size()));
    // The iterators stop at the last sextet; the padding is the caller's.
    out.append((3 - bytes.size() % 3) % 3, '=');
    return out;
}

// The base64 credentials of the Basic header a callback must send, computed once here rather
// than at every request.
std::optional<std::string> read_basic_credentials(const sdk::config_view& config)
{
    std::optional<std::string> username = config.optional_string("callback_username");
    std::optional<std::string> password = config.optional_string("callback_password");
    if (username && !password) {
        throw sdk::config_error("callback_password", "is required with callback_username");
    }
    if (password && !username) {
        throw sdk::config_error("callback_username", "is required with callback_password");
    }
    if (!username) {
        return std::nullopt;
    }
    return base64(*username + ":" + *password);
}

// Checks the envelope and the item count before anything is emitted, so a malformed or
// oversized callback is refused as a whole rather than after some of its events went out.
const json::array& failed_items(const json::value& root)
{
    const json::object* body = root.if_object();
    const json::value* version = body != nullptr ? body->if_contains("version") : nullptr;
    const json::value* events = body != nullptr ? body->if_contains("events") : nullptr;
    const json::object* groups = events != nullptr ? events->if_object() : nullptr;
    const json::value* failed = groups != nullptr ? groups->if_contains("failed") : nullptr;
    if (version == nullptr || !version->is_string() || version->get_string() != "v2" ||
        failed == nullptr || !failed->is_array()) {
        throw sdk::bad_request(sdk::responses::missing_parameters);
    }
    if (failed->get_array().size() > max_items) {
        throw sdk::error(MG_TOO_MANY_EVENTS, sdk::responses::too_many_events);
    }
    return failed->get_array();
}

std::optional<std::string_view> string_field(const json::object& item, std::string_view key)
{
    const json::value* value = item.if_contains(key);
    if (value == nullptr || !value->is_string()) {
        return std::nullopt;
    }
    return std::string_view(value->get_string());
}

// Checks type, email, then meta: the reason an ESP gets is the first thing wrong, and meta is
// checked last because verifying it needs the email it names.
void parse_item(const json::value& item, const sdk::callback_sink& sink)
{
    auto reject = [&](std::string_view reason) { sink.reject(sdk::echo_json(item), reason); };
    const json::object* fields = item.if_object();
    if (fields == nullptr) {
        reject(sdk::responses::missing_parameters);
        return;
    }
    std::optional<std::string_view> type = string_field(*fields, "type");
    std::optional<std::int32_t> kind = type ? event_kind(*type) : std::nullopt;
    if (!kind) {
        reject(sdk::responses::unmapped_event);
        return;
    }
    std::optional<std::string_view> email = string_field(*fields, "email");
    if (!email) {
        reject(sdk::responses::invalid_email);
        return;
    }
    std::optional<std::string_view> meta = string_field(*fields, "meta");
    if (!meta || !sink.verify_meta(*meta, *email)) {
        reject(sdk::responses::invalid_meta);
        return;
    }
    // No provider event id: the host hashes the event instead, so an ESP that retries a batch
    // has each identical item counted once.
    sdk::event event;
    event.kind = *kind;
    event.email = *email;
    event.meta = *meta;
    event.description = string_field(*fields, "description").value_or("");
    sink.emit(event);
}

class smtp_driver final : public sdk::driver {
public:
    static constexpr const char* id = "smtp";
    static constexpr const char* version = "1.0.0";
    static constexpr const char* description =
        "Any SMTP or SMTPS server; the gateway's v2 JSON callbacks";
    static constexpr std::uint64_t capabilities = MG_CAP_CALLBACKS | MG_CAP_DECORATE | MG_CAP_SMTP;
    static constexpr std::uint32_t max_callback_events = max_items;
    static constexpr auto options = sdk::join_options(sdk::smtp_options, own_options);

    // The host does the sending (and reads verify_tls itself); the SMTP settings are checked
    // here so that a misconfigured provider fails at start-up.
    smtp_driver(const sdk::config_view& config, sdk::host_context host)
        : driver(host), token_(sdk::read_callback_token(config)),
          basic_credentials_(read_basic_credentials(config))
    {
        sdk::read_smtp_settings(config);
        if (!token_ && !basic_credentials_) {
            // Said at every start, since nothing else would tell the operator.
            this->host().warn("neither callback_token nor callback_username is set: callbacks "
                              "are accepted without authentication; keep the callback URL "
                              "where only the provider can reach it");
        }
    }

    void decorate(const sdk::outbound_message& message, const sdk::header_sink& headers) const
    {
        // Without the token the ESP's callbacks about this message could never be attributed.
        if (message.meta().empty()) {
            throw sdk::error(MG_BAD_REQUEST, "the message has no meta token to stamp");
        }
        headers.add(meta_header, message.meta());
    }

    void parse_callback(const sdk::callback_request& request, const sdk::callback_sink& sink) const
    {
        // Providers probe a callback URL with HEAD, without credentials, before they start
        // posting to it.
        if (request.method() == "HEAD") {
            return;
        }
        if (request.method() != "POST") {
            throw sdk::error(MG_UNSUPPORTED, "method not allowed");
        }
        // Before the body is read: an unauthenticated caller learns nothing about the format.
        authenticate(request);
        // The parsed tree lives only for this call: a monotonic arena frees it in one go.
        json::monotonic_resource arena;
        json::value root = sdk::parse_json_body(request.body(), &arena);
        for (const json::value& item : failed_items(root)) {
            parse_item(item, sink);
        }
    }

private:
    // Each configured scheme must pass; a token matches wherever the ESP was able to put it.
    void authenticate(const sdk::callback_request& request) const
    {
        if (token_) {
            std::optional<std::string> in_query = sdk::query_parameter(request.target(), "token");
            if (!matches_token(in_query) && !matches_token(request.header(token_header)) &&
                !matches_token(request.authorization("Bearer"))) {
                throw sdk::unauthorized(bad_credentials);
            }
        }
        if (basic_credentials_) {
            std::optional<std::string_view> basic = request.authorization("Basic");
            if (!basic || !sdk::constant_time_equals(*basic, *basic_credentials_)) {
                throw sdk::unauthorized(bad_credentials);
            }
        }
    }

    bool matches_token(std::optional<std::string_view> given) const noexcept
    {
        return given && sdk::constant_time_equals(*given, *token_);
    }

    std::optional<std::string> token_;
    std::optional<std::string> basic_credentials_;
};

} // namespace

MAILGATE_DRIVER(smtp_driver)
