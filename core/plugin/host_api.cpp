#include "core/plugin/host_api.hpp"

#include "core/attribution/meta_token.hpp"
#include "core/log/log.hpp"

#include <mailgate/sdk/str.hpp>

#include <charconv>
#include <cstddef>

namespace mailgate::core::plugin {
namespace {

using sdk::to_mg_str;
using sdk::to_view;

constexpr std::size_t event_v1_size = offsetof(mg_event, detail_json) + sizeof(mg_str);
constexpr std::size_t rejected_v1_size = offsetof(mg_rejected_item, reason) + sizeof(mg_str);

host_context& ctx_of(mg_host_ctx* p)
{
    return *reinterpret_cast<host_context*>(p);
}
const config_handle& config_of(const mg_config* p)
{
    return *reinterpret_cast<const config_handle*>(p);
}
callback_collector& collector_of(mg_callback_sink* p)
{
    return *reinterpret_cast<callback_collector*>(p);
}

const std::string* find(const mg_config* config, const char* name)
{
    if (name == nullptr) {
        return nullptr;
    }
    const auto& values = *config_of(config).values;
    auto it = values.find(name);
    return it == values.end() ? nullptr : &it->second;
}

void log_fn(mg_host_ctx* ctx, int32_t level, mg_str message) noexcept
{
    try {
        static const spdlog::level::level_enum levels[] = {
            spdlog::level::debug, spdlog::level::info, spdlog::level::warn, spdlog::level::err};
        auto lvl =
            (level >= MG_LOG_DEBUG && level <= MG_LOG_ERROR) ? levels[level] : spdlog::level::err;
        const host_context& c = ctx_of(ctx);
        log::get("driver")->log(lvl, "provider={} driver={}: {}", c.provider, c.driver,
                                to_view(message));
    } catch (...) {
        // Logging must never take the driver's call down with it.
    }
}

mg_status config_string_fn(const mg_config* config, const char* name, mg_str* out) noexcept
{
    const std::string* value = find(config, name);
    if (value == nullptr) {
        return MG_NOT_FOUND;
    }
    *out = to_mg_str(*value);
    return MG_OK;
}

mg_status config_int_fn(const mg_config* config, const char* name, int64_t* out) noexcept
{
    const std::string* value = find(config, name);
    if (value == nullptr) {
        return MG_NOT_FOUND;
    }
    auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), *out);
    return (ec == std::errc() && end == value->data() + value->size()) ? MG_OK : MG_NOT_FOUND;
}

mg_status config_bool_fn(const mg_config* config, const char* name, int32_t* out) noexcept
{
    const std::string* value = find(config, name);
    if (value == nullptr || (*value != "true" && *value != "false")) {
        return MG_NOT_FOUND;
    }
    *out = *value == "true" ? 1 : 0;
    return MG_OK;
}

void config_error_fn(const mg_config* config, const char* name, mg_str message) noexcept
{
    try {
        auto& c = const_cast<config_handle&>(config_of(config));
        if (name != nullptr) {
            c.error_option = name;
        }
        c.error_message = std::string(to_view(message));
    } catch (...) {
    }
}

bool full(callback_collector& c)
{
    c.overflowed = c.overflowed ||
                   (c.limit != 0 && c.result.events.size() + c.result.rejected.size() >= c.limit);
    return c.overflowed;
}

bool known_kind(int32_t kind)
{
    return kind >= MG_EVENT_DELIVERED && kind <= MG_EVENT_LIST_SYNC;
}

mg_status emit_event_fn(mg_callback_sink* sink, const mg_event* e) noexcept
{
    try {
        auto& c = collector_of(sink);
        if (full(c)) {
            return MG_TOO_MANY_EVENTS;
        }
        if (e == nullptr || e->struct_size < event_v1_size) {
            return MG_BAD_REQUEST;
        }
        if (!known_kind(e->kind)) {
            c.result.rejected.push_back(
                {"", "the driver emitted unknown event kind " + std::to_string(e->kind)});
            return MG_OK;
        }
        auto& ev = c.result.events.emplace_back();
        ev.kind = e->kind;
        ev.flags = e->flags;
        ev.occurred_at_s = e->occurred_at;
        ev.email = to_view(e->email);
        ev.meta = to_view(e->meta);
        ev.description = to_view(e->description);
        ev.provider_event_id = to_view(e->provider_event_id);
        ev.detail_json = to_view(e->detail_json);
        if (MG_HAS_FIELD(e, mg_event, smtp_code)) {
            ev.reason = to_view(e->reason);
            ev.smtp_code = e->smtp_code;
            ev.status = to_view(e->status);
            ev.remote_mta = to_view(e->remote_mta);
        }
        return MG_OK;
    } catch (...) {
        return MG_INTERNAL_ERROR;
    }
}

mg_status reject_item_fn(mg_callback_sink* sink, const mg_rejected_item* item) noexcept
{
    try {
        auto& c = collector_of(sink);
        if (full(c)) {
            return MG_TOO_MANY_EVENTS;
        }
        if (item == nullptr || item->struct_size < rejected_v1_size) {
            return MG_BAD_REQUEST;
        }
        c.result.rejected.push_back(
            {std::string(to_view(item->item_json)), std::string(to_view(item->reason))});
        return MG_OK;
    } catch (...) {
        return MG_INTERNAL_ERROR;
    }
}

void callback_error_fn(mg_callback_sink* sink, mg_str message) noexcept
{
    try {
        collector_of(sink).result.error = std::string(to_view(message));
    } catch (...) {
    }
}

bool header_safe(std::string_view s)
{
    return s.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

mg_status add_header_fn(mg_header_sink* sink, mg_str name, mg_str value) noexcept
{
    try {
        std::string_view n = to_view(name);
        std::string_view v = to_view(value);
        if (n.empty() || n.find(':') != std::string_view::npos || !header_safe(n) ||
            !header_safe(v)) {
            return MG_BAD_REQUEST;
        }
        reinterpret_cast<header_list*>(sink)->emplace_back(std::string(n), std::string(v));
        return MG_OK;
    } catch (...) {
        return MG_INTERNAL_ERROR;
    }
}

mg_status verify_meta_fn(mg_callback_sink* sink, mg_str meta, mg_str email) noexcept
{
    try {
        const auto* codec = collector_of(sink).meta_codec;
        return codec != nullptr && codec->decode(to_view(meta), to_view(email)) ? MG_OK
                                                                                : MG_UNAUTHORIZED;
    } catch (...) {
        return MG_UNAUTHORIZED;
    }
}

mg_host_api make_api()
{
    mg_host_api api{};
    api.struct_size = sizeof(mg_host_api);
    api.abi_major = MG_ABI_VERSION_MAJOR;
    api.abi_minor = MG_ABI_VERSION_MINOR;
    api.log = &log_fn;
    api.config_string = &config_string_fn;
    api.config_int = &config_int_fn;
    api.config_bool = &config_bool_fn;
    api.config_error = &config_error_fn;
    api.emit_event = &emit_event_fn;
    api.reject_item = &reject_item_fn;
    api.callback_error = &callback_error_fn;
    api.add_header = &add_header_fn;
    api.verify_meta = &verify_meta_fn;
    return api;
}

} // namespace

const mg_host_api* host_api() noexcept
{
    static const mg_host_api api = make_api();
    return &api;
}

} // namespace mailgate::core::plugin
