#pragma once

// What a driver's parse_callback produced, copied out of the driver into host-owned memory, and
// what the host hands a driver. Named apart from the SDK's callback_request, callback_result and
// outbound_message, the driver side of the same ABI structs, so a reader knows which side a
// type is on.

#include <mailgate/sdk/abi.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mailgate::core::attribution {
class meta_codec;
}

namespace mailgate::core::plugin {

struct driver_event {
    int32_t kind = 0;
    uint32_t flags = 0;
    int64_t occurred_at_s = 0; ///< Unix seconds, as the ABI gives it; 0: not given
    std::string email;
    std::string meta;
    std::string description;
    std::string provider_event_id;
    std::string detail_json;
    std::string reason; ///< ABI 1.2; empty from an older driver
    int32_t smtp_code = 0;
    std::string status;
    std::string remote_mta;
};

struct rejected_item {
    std::string item_json;
    std::string reason;
};

struct parsed_callback {
    mg_status status = MG_OK;
    std::vector<driver_event> events;
    std::vector<rejected_item> rejected;
    std::string error; ///< the driver's message with a non-OK status
};

/// A callback request as the host hands it to a driver. Views borrow the caller's buffers.
struct raw_callback {
    /// Verifies the attribution tokens the driver asks about; null: none verifies.
    const attribution::meta_codec* meta_codec = nullptr;
    std::string_view method;
    std::string_view public_url;
    std::string_view target;
    std::vector<std::pair<std::string_view, std::string_view>> headers;
    std::string_view body;
};

/// An outbound message as the host hands it to decorate().
struct decorate_request {
    std::string_view message_id;
    std::string_view campaign_id;
    std::string_view recipient;
    std::string_view meta;
    std::string_view from;
    std::string_view subject;
};

using header_list = std::vector<std::pair<std::string, std::string>>;

} // namespace mailgate::core::plugin
