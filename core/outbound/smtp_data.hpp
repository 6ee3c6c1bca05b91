#pragma once

// A message made ready for the DATA phase (RFC 5321 §4.5.2).

#include <cstddef>
#include <string>
#include <string_view>

namespace mailgate::core::outbound {

struct smtp_data {
    /// Line ends made CRLF (bare CR and LF too, so that no byte sequence of the message can end
    /// the DATA early: "SMTP smuggling"), lines starting with "." dot-stuffed, a final CRLF
    /// added where missing, then ".\r\n".
    std::string wire;
    std::size_t message_size = 0; ///< for SIZE= (RFC 1870): without the stuffing and the "."
    bool eight_bit = false;       ///< a byte over 127: BODY=8BITMIME
};

smtp_data make_smtp_data(std::string_view message);

} // namespace mailgate::core::outbound
