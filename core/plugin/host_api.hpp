#pragma once

// The host's side of the ABI: the mg_host_api table every driver receives, and the host
// objects behind the opaque handles it passes (mg_host_ctx, mg_config, the sinks).

#include "core/plugin/parsed_callback.hpp"

#include <mailgate/sdk/abi.h>

#include <map>
#include <optional>
#include <string>

namespace mailgate::core::plugin {

/// Behind mg_host_ctx: who is logging. Lives as long as its driver instance.
struct host_context {
    std::string provider;
    std::string driver; ///< "id@version"
};

/// Behind mg_config: a provider's validated option values, for one create() call.
struct config_handle {
    const std::map<std::string, std::string>* values = nullptr;
    std::optional<std::string> error_option; ///< set by config_error with a name
    std::string error_message;
};

/// Behind mg_callback_sink: collects one parse_callback call's output.
struct callback_collector {
    uint32_t limit = 0;      ///< the driver's max_callback_events (0: none)
    bool overflowed = false; ///< an item was refused for the limit, whatever the driver returns
    const attribution::meta_codec* meta_codec = nullptr;
    parsed_callback result;
};

/// The table handed to every driver. STATIC.
const mg_host_api* host_api() noexcept;

inline mg_host_ctx* handle(host_context* p) noexcept
{
    return reinterpret_cast<mg_host_ctx*>(p);
}
inline const mg_config* handle(const config_handle* p) noexcept
{
    return reinterpret_cast<const mg_config*>(p);
}
inline mg_callback_sink* handle(callback_collector* p) noexcept
{
    return reinterpret_cast<mg_callback_sink*>(p);
}
inline mg_header_sink* handle(header_list* p) noexcept
{
    return reinterpret_cast<mg_header_sink*>(p);
}

} // namespace mailgate::core::plugin
