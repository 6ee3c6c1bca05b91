#pragma once

/// The C++ views a driver's parse_callback works with: the request it reads and the sink it
/// emits into. Both BORROW host data for the duration of one parse_callback call; THREAD: the
/// calling thread only.

#include <mailgate/sdk/abi.h>
#include <mailgate/sdk/error.hpp>
#include <mailgate/sdk/responses.hpp>
#include <mailgate/sdk/str.hpp>

#include <cstdint>
#include <optional>
#include <string_view>

namespace mailgate::sdk {

/// One inbound callback request, exactly as received.
class callback_request {
public:
    explicit callback_request(const mg_http_request& raw) noexcept : raw_(raw) {}

    std::string_view method() const noexcept { return to_view(raw_.method); }
    /// The provider's public callback URL as configured (what an ESP signs).
    std::string_view public_url() const noexcept { return to_view(raw_.public_url); }
    /// Path and query as received.
    std::string_view target() const noexcept { return to_view(raw_.target); }
    /// The raw body bytes.
    std::string_view body() const noexcept { return to_view(raw_.body); }

    /// The first header of that name (case-insensitive), or nothing.
    std::optional<std::string_view> header(std::string_view name) const noexcept
    {
        for (std::size_t i = 0; i < raw_.header_count; ++i) {
            if (iequals(to_view(raw_.headers[i].name), name)) {
                return to_view(raw_.headers[i].value);
            }
        }
        return std::nullopt;
    }

    /// The credentials of an `Authorization: <scheme> <credentials>` header of that scheme,
    /// which compares without case (RFC 9110, 11.1); nothing for another scheme or none.
    std::optional<std::string_view> authorization(std::string_view scheme) const noexcept
    {
        std::optional<std::string_view> value = header("Authorization");
        if (!value || value->size() <= scheme.size() ||
            !iequals(value->substr(0, scheme.size()), scheme) || (*value)[scheme.size()] != ' ') {
            return std::nullopt;
        }
        std::string_view credentials = value->substr(scheme.size());
        const auto start = credentials.find_first_not_of(' ');
        credentials.remove_prefix(start == std::string_view::npos ? credentials.size() : start);
        return credentials;
    }

private:
    const mg_http_request& raw_;
};

/// One event, as a driver fills it. Views must stay valid until emit() returns.
struct event {
    int32_t kind = 0;        ///< MG_EVENT_*
    uint32_t flags = 0;      ///< MG_EVENT_FLAG_*
    int64_t occurred_at = 0; ///< Unix seconds; 0 = unknown (the host uses the time of receipt)
    std::string_view email;
    std::string_view meta;
    std::string_view description;
    std::string_view provider_event_id;
    std::string_view detail_json; ///< a JSON object, or empty
    // ABI 1.2: say why when the ESP says it; left empty, the host derives it.
    std::string_view reason;     ///< a reason name (docs/events.md), or empty
    int32_t smtp_code = 0;       ///< the SMTP reply code, or 0
    std::string_view status;     ///< the enhanced status code ("5.1.1"), or empty
    std::string_view remote_mta; ///< the receiving server, or empty
};

/// Where a driver puts what it found. The host copies each event and item at once.
class callback_sink {
public:
    callback_sink(const mg_host_api* host, mg_callback_sink* sink) noexcept
        : host_(host), sink_(sink)
    {
    }

    /// Emits one event. Throws error(MG_TOO_MANY_EVENTS) once the driver's declared maximum
    /// is passed, which ends the call with that status.
    void emit(const event& e) const
    {
        mg_event raw{};
        raw.struct_size = sizeof(mg_event);
        raw.kind = e.kind;
        raw.flags = e.flags;
        raw.occurred_at = e.occurred_at;
        raw.email = to_mg_str(e.email);
        raw.meta = to_mg_str(e.meta);
        raw.description = to_mg_str(e.description);
        raw.provider_event_id = to_mg_str(e.provider_event_id);
        raw.detail_json = to_mg_str(e.detail_json);
        raw.reason = to_mg_str(e.reason);
        raw.status = to_mg_str(e.status);
        raw.remote_mta = to_mg_str(e.remote_mta);
        raw.smtp_code = e.smtp_code;
        check(host_->emit_event(sink_, &raw));
    }

    /// Reports an item that is not an event: `item_json` is echoed back to the ESP with
    /// `reason` as its errorDescription.
    void reject(std::string_view item_json, std::string_view reason) const
    {
        mg_rejected_item raw{};
        raw.struct_size = sizeof(mg_rejected_item);
        raw.item_json = to_mg_str(item_json);
        raw.reason = to_mg_str(reason);
        check(host_->reject_item(sink_, &raw));
    }

    /// Whether the gateway signed `meta` for `email` (ABI 1.1; see mg_host_api.verify_meta).
    bool verify_meta(std::string_view meta, std::string_view email) const noexcept
    {
        return MG_HAS_FIELD(host_, mg_host_api, verify_meta) && host_->verify_meta != nullptr &&
               host_->verify_meta(sink_, to_mg_str(meta), to_mg_str(email)) == MG_OK;
    }

private:
    static void check(mg_status status)
    {
        if (status == MG_TOO_MANY_EVENTS) {
            throw error(status, responses::too_many_events);
        }
        if (status != MG_OK) {
            throw error(status, "the host refused the item");
        }
    }

    const mg_host_api* host_;
    mg_callback_sink* sink_;
};

} // namespace mailgate::sdk
