#pragma once

// A message made ready for the DATA phase (RFC 5321 §4.5.2).

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mailgate::core::outbound::smtp {

/// Line ends made CRLF (bare CR and LF too, so that no byte sequence of the message can end the
/// DATA early: "SMTP smuggling"), lines starting with "." dot-stuffed, a final CRLF added where
/// missing, then ".\r\n".
struct smtp_data {
    /// The bytes that follow DATA, in order, the final "." line included. LIFETIME: views of the
    /// text given to make_smtp_data, or of `stuffed`; valid while both live, unmoved.
    std::vector<std::string_view> wire() const;

    std::size_t message_size = 0; ///< for SIZE= (RFC 1870): without the stuffing and the "."
    bool eight_bit = false;       ///< a byte over 127: BODY=8BITMIME
    /// The text as given, when it needs no change: the builder's text with CRLF line ends and no
    /// line starting with "." is sent from where it is, not copied for every recipient.
    std::vector<std::string_view> as_given;
    std::string stuffed; ///< otherwise, the text changed as above, its end included
};

/// The message's text is `head` then `entity` (either may be empty). THREAD: any.
smtp_data make_smtp_data(std::string_view head, std::string_view entity = {});

} // namespace mailgate::core::outbound::smtp
