#include "core/events/router.hpp"

#include "core/addressing/address.hpp"
#include "core/attribution/meta_token.hpp"
#include "core/encoding/hex.hpp"
#include "core/encoding/sha256.hpp"
#include "core/events/event_cause.hpp"

#include <mailgate/sdk/abi.h>

#include <memory>

#include <boost/json.hpp>

#include <stdexcept>

namespace mailgate::core::events {
namespace {

// Length-prefixed fields, so ("ab","c") and ("a","bc") hash differently.
void add_field(std::string& out, std::string_view field)
{
    const uint64_t size = field.size();
    out.append(reinterpret_cast<const char*>(&size), sizeof size);
    out.append(field);
}

system_event notification_failed(std::string error, const std::string& description)
{
    return system_event{"Notification Failed", std::move(error), description};
}

system_event channel_unsubscribed(std::string type, const std::string& description)
{
    return system_event{"Channel Unsubscribed", std::move(type), description};
}

} // namespace

std::string event_key(const plugin::driver_event& e)
{
    if (!e.provider_event_id.empty()) {
        return "id:" + e.provider_event_id;
    }
    std::string input;
    const std::string kind = std::to_string(e.kind);
    const std::string flags = std::to_string(e.flags);
    const std::string occurred_at = std::to_string(e.occurred_at_s);
    for (std::string_view field :
         {std::string_view(kind), std::string_view(flags), std::string_view(occurred_at),
          std::string_view(e.email), std::string_view(e.meta), std::string_view(e.description),
          std::string_view(e.detail_json)}) {
        add_field(input, field);
    }
    const auto digest = encoding::sha256(input);
    return "sha256:" + encoding::hex(digest);
}

std::optional<gateway_event> make_event(const plugin::driver_event& e, const std::string& provider,
                                        const std::string& driver, int64_t received_at)
{
    auto kind = from_abi(e.kind);
    auto email = addressing::canonical_email(e.email);
    if (!kind || !email) {
        return std::nullopt;
    }
    event_cause cause = cause_of(*kind, e);
    gateway_event ev;
    ev.provider = provider;
    ev.driver = driver;
    ev.kind = settled_kind(*kind, cause.reason);
    ev.reason = cause.reason;
    ev.smtp_code = cause.smtp_code;
    ev.status = std::move(cause.status);
    ev.remote_mta = e.remote_mta;
    ev.permanent = (e.flags & MG_EVENT_FLAG_PERMANENT) != 0;
    ev.email = std::move(*email);
    ev.received_at_ms = received_at;
    ev.occurred_at_ms = (e.occurred_at_s > 0 && e.occurred_at_s <= max_unix_seconds)
                            ? e.occurred_at_s * 1000
                            : received_at;
    ev.meta = e.meta;
    ev.description = e.description;
    ev.provider_event_id = e.provider_event_id;
    ev.event_key = event_key(e);
    ev.detail_json = e.detail_json;
    return ev;
}

routed_event route(gateway_event ev, const suppression_policy& policy)
{
    routed_event r;
    const std::string& why = ev.description;
    switch (ev.kind) {
    case event_kind::hard_bounce:
        r.system_events = {notification_failed("hard bounce", why),
                           channel_unsubscribed("hard bounce", why)};
        break;
    case event_kind::soft_bounce:
        r.system_events = {notification_failed("soft bounce", why)};
        break;
    case event_kind::spam:
        r.system_events = {channel_unsubscribed("spam", why)};
        break;
    case event_kind::unsubscribed:
        r.system_events = {channel_unsubscribed("unsubscribed", why)};
        break;
    case event_kind::dropped:
        r.system_events = {notification_failed(why.empty() ? "dropped" : why, why)};
        break;
    default:
        break;
    }
    r.ev = std::move(ev);
    policy.decide(r);
    return r;
}

std::vector<routed_event> route_callback(plugin::parsed_callback& result,
                                         const std::string& provider, const std::string& driver,
                                         int64_t received_at,
                                         const core::attribution::meta_codec* codec,
                                         const suppression_policy& policy)
{
    std::vector<routed_event> batch;
    batch.reserve(result.events.size());
    for (const auto& e : result.events) {
        auto ev = make_event(e, provider, driver, received_at);
        if (!ev) {
            result.rejected.push_back(
                {boost::json::serialize(boost::json::object{{"email", e.email}}), "invalid email"});
            continue;
        }
        if (codec != nullptr && !ev->meta.empty()) {
            ev->attributed =
                codec->decode(ev->meta, ev->email).value_or(attribution::meta_fields{});
        }
        batch.push_back(route(std::move(*ev), policy));
    }
    return batch;
}

} // namespace mailgate::core::events
