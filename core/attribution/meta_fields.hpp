#pragma once

#include <string>

namespace mailgate::core::attribution {

/// Who a message was for: what an attribution token carries (meta_codec). Empty when an event
/// came without one (attributed by address only).
struct meta_fields {
    std::string message_id;
    std::string campaign_id;
    std::string profile;
    std::string stream; ///< empty: the message named none (or was sent before streams)
};

} // namespace mailgate::core::attribution
