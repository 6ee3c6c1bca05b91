#pragma once

// A server's reply to one command (RFC 5321 §4.2), with its enhanced status code (RFC 3463).

#include <string>
#include <vector>

namespace mailgate::core::outbound::smtp {

struct smtp_reply {
    int code = 0;                   ///< 0: no reply
    std::string enhanced;           ///< "5.1.1", or "" when the server sent none
    std::vector<std::string> lines; ///< the text of each line, without code and enhanced code

    /// "550 5.1.1 text", the lines joined by a space.
    std::string str() const;
    /// The class digit: 2 success, 3 intermediate, 4 transient, 5 permanent.
    int kind() const noexcept { return code / 100; }
};

} // namespace mailgate::core::outbound::smtp
