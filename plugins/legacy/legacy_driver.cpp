// The `legacy` driver: the gateway's legacy bounce callback format (an array of
// {"event": "softbounce"|"hardbounce", "data": [{"e": EMAIL, "ts": EPOCH}, ...]} groups,
// see callback-formats.md) for a provider that sends its mail over SMTP.

#include <mailgate/sdk/driver.hpp>
#include <mailgate/sdk/json.hpp>
#include <mailgate/sdk/smtp.hpp>

// Boost.JSON's implementation is compiled into this module alone. The module exports nothing but
// mg_driver_entry, so the parser cannot clash with another driver's or the host's Boost.
#include <boost/json/src.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace json = boost::json;
namespace sdk = mailgate::sdk;

// The format's documented limit on the entries of one callback.
constexpr std::uint32_t max_entries = 1000;
constexpr std::size_t max_email_bytes = 254;
// 9999-12-31T23:59:59Z: every later time is a provider bug, and capping here keeps any value
// that passes convertible to the host's calendar types.
constexpr std::int64_t max_timestamp = 253402300799;

std::optional<std::int32_t> bounce_kind(std::string_view event)
{
    if (event == "softbounce") {
        return MG_EVENT_SOFT_BOUNCE;
    }
    if (event == "hardbounce") {
        return MG_EVENT_HARD_BOUNCE;
    }
    return std::nullopt;
}

// One validated group: its event name, the bounce it maps to (none for an unknown name) and its
// entries, which are all objects.
struct group {
    std::string_view event;
    std::optional<std::int32_t> kind;
    const json::array* entries = nullptr;
};

group read_group(const json::value& value)
{
    const json::object* object = value.if_object();
    const json::value* event = object != nullptr ? object->if_contains("event") : nullptr;
    const json::value* data = object != nullptr ? object->if_contains("data") : nullptr;
    if (event == nullptr || !event->is_string() || data == nullptr || !data->is_array()) {
        throw sdk::bad_request(sdk::responses::missing_parameters);
    }
    for (const json::value& entry : data->get_array()) {
        if (!entry.is_object()) {
            throw sdk::bad_request(sdk::responses::missing_parameters);
        }
    }
    std::string_view name = event->get_string();
    return group{name, bounce_kind(name), &data->get_array()};
}

// Checks the whole body before anything is emitted, so a malformed or oversized callback is
// refused as a whole rather than after some of its events went out.
std::vector<group> read_groups(const json::value& root)
{
    const json::array* groups = root.if_array();
    if (groups == nullptr) {
        throw sdk::bad_request(sdk::responses::missing_parameters);
    }
    std::vector<group> out;
    out.reserve(groups->size());
    std::size_t entries = 0;
    for (const json::value& value : *groups) {
        out.push_back(read_group(value));
        entries += out.back().entries->size();
    }
    if (entries > max_entries) {
        throw sdk::error(MG_TOO_MANY_EVENTS, sdk::responses::too_many_events);
    }
    return out;
}

std::optional<std::string_view> email_of(const json::object& entry)
{
    const json::value* e = entry.if_contains("e");
    if (e == nullptr || !e->is_string()) {
        return std::nullopt;
    }
    std::string_view email = e->get_string();
    if (email.empty() || email.size() > max_email_bytes ||
        email.find('@') == std::string_view::npos) {
        return std::nullopt;
    }
    return email;
}

std::optional<std::int64_t> checked_timestamp(double ts)
{
    // The negated comparison also refuses NaN; trunc() refuses fractions, infinities fail the
    // range. max_timestamp is below 2^53, so the double comparison is exact.
    if (!(ts >= 0 && ts <= static_cast<double>(max_timestamp)) || std::trunc(ts) != ts) {
        return std::nullopt;
    }
    return static_cast<std::int64_t>(ts);
}

// A missing `ts` is 0, which the host reads as "now", as the format tells ESPs unsure of the
// time to send. Nothing else that is not a whole number of seconds in range is guessed at.
std::optional<std::int64_t> timestamp_of(const json::object& entry)
{
    const json::value* ts = entry.if_contains("ts");
    if (ts == nullptr) {
        return 0;
    }
    switch (ts->kind()) {
    case json::kind::int64:
        if (ts->get_int64() >= 0 && ts->get_int64() <= max_timestamp) {
            return ts->get_int64();
        }
        return std::nullopt;
    case json::kind::uint64:
        if (ts->get_uint64() <= static_cast<std::uint64_t>(max_timestamp)) {
            return static_cast<std::int64_t>(ts->get_uint64());
        }
        return std::nullopt;
    case json::kind::double_:
        return checked_timestamp(ts->get_double());
    default:
        return std::nullopt;
    }
}

// The entry as received with its group's event name first, so the ESP can tell which group a
// rejected entry came from. An `event` key inside the entry is dropped: the group's name is the
// one that decided its fate.
std::string rejected_item_json(std::string_view event, const json::object& entry)
{
    json::value item = json::object();
    json::object& fields = item.get_object();
    fields.reserve(entry.size() + 1);
    fields.emplace("event", event);
    for (const json::key_value_pair& field : entry) {
        fields.emplace(field.key(), field.value());
    }
    return sdk::echo_json(std::move(item));
}

void parse_entry(const group& g, const json::object& entry, const sdk::callback_sink& sink)
{
    auto reject = [&](std::string_view reason) {
        sink.reject(rejected_item_json(g.event, entry), reason);
    };
    if (!g.kind) {
        reject(sdk::responses::unmapped_event);
        return;
    }
    std::optional<std::string_view> email = email_of(entry);
    if (!email) {
        reject(sdk::responses::invalid_email);
        return;
    }
    std::optional<std::int64_t> occurred_at = timestamp_of(entry);
    if (!occurred_at) {
        reject("invalid ts");
        return;
    }
    sdk::event event;
    event.kind = *g.kind;
    event.occurred_at = *occurred_at;
    event.email = *email;
    sink.emit(event);
}

class legacy_driver final : public sdk::driver {
public:
    static constexpr const char* id = "legacy";
    static constexpr const char* version = "1.0.0";
    static constexpr const char* description =
        "The gateway's legacy bounce JSON callbacks; sends over SMTP";
    static constexpr std::uint64_t capabilities = MG_CAP_CALLBACKS | MG_CAP_SMTP;
    static constexpr std::uint32_t max_callback_events = max_entries;
    static constexpr auto options = sdk::smtp_options;

    // The host does the sending; the settings are checked here so that a misconfigured
    // provider fails at start-up.
    legacy_driver(const sdk::config_view& config, sdk::host_context host) : driver(host)
    {
        sdk::read_smtp_settings(config);
        // Said at every start, since nothing else would tell the operator.
        this->host().warn("the legacy format carries no signature: callbacks are accepted "
                          "without authentication; keep the callback URL where only the "
                          "provider can reach it");
    }

    void parse_callback(const sdk::callback_request& request, const sdk::callback_sink& sink) const
    {
        // Providers probe a callback URL with HEAD before they start posting to it.
        if (request.method() == "HEAD") {
            return;
        }
        if (request.method() != "POST") {
            throw sdk::error(MG_UNSUPPORTED, "method not allowed");
        }
        // The parsed tree lives only for this call: a monotonic arena frees it in one go.
        json::monotonic_resource arena;
        json::value root = sdk::parse_json_body(request.body(), &arena);
        for (const group& g : read_groups(root)) {
            for (const json::value& entry : *g.entries) {
                parse_entry(g, entry.get_object(), sink);
            }
        }
    }
};

} // namespace

MAILGATE_DRIVER(legacy_driver)
