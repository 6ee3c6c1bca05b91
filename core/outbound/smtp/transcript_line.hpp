#pragma once

#include <string>

namespace mailgate::core::outbound::smtp {

/// One line of a recorded SMTP conversation. Credentials are never recorded.
struct transcript_line {
    char from = '*'; ///< 'C' client, 'S' server, '*' a note (connected, TLS established, errors)
    std::string text;
};

} // namespace mailgate::core::outbound::smtp
