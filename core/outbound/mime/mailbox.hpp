#pragma once

// An address with the name shown beside it in a From:, To: or Reply-To: header.

#include "core/addressing/address.hpp"

#include <string>

namespace mailgate::core::outbound::mime {

struct mailbox {
    std::string display_name; ///< UTF-8; empty for none
    addressing::address addr;
};

} // namespace mailgate::core::outbound::mime
