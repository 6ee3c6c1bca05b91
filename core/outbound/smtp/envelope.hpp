#pragma once

#include <string>

namespace mailgate::core::outbound::smtp {

/// One recipient: the gateway sends one message per recipient.
struct envelope {
    std::string from; ///< the reverse path; empty for the null sender "<>"
    std::string to;
    bool smtputf8 = false; ///< the addresses or headers need SMTPUTF8 (RFC 6531)
};

} // namespace mailgate::core::outbound::smtp
