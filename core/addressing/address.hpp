#pragma once

// E-mail addresses as the gateway reads them, wherever they come from (an API request, a
// provider's callback, the queue): RFC 5321 mailboxes, with internationalised local parts
// (RFC 6531) and domains (IDNA2008 via libidn2), and the one canonical form that keys the
// suppression list and the events (docs/events.md, "Addresses").

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mailgate::core::addressing {

/// An address the gateway refuses; what() is a reason an API user reads ("the domain label
/// 'x-' starts or ends with '-'").
class address_error : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

struct address {
    std::string local; ///< the local part as given (UTF-8 allowed: RFC 6531)
    /// ASCII: an IDN domain converted to A-labels (punycode), lower-case; an address literal
    /// as inet_ntop writes its address
    std::string domain;

    std::string str() const;     ///< local@domain
    bool needs_smtputf8() const; ///< the local part is not ASCII
};

/// Parses a bare address ("local@domain", no display name, no angle brackets, surrounding
/// white space trimmed) as an API request gives it. RFC 5321 limits (local part <= 64 octets,
/// domain <= 255, the path <= 254 as RFC 3696 errata), local part dot-atom or quoted string,
/// domain of LDH labels (<= 63 each, at least two labels, the last not all digits) or an
/// address literal [IPv4]/[IPv6:...]; a non-ASCII domain, or one with A-labels, goes through
/// libidn2 (IDNA2008, non-transitional, NFC input). Throws address_error. THREAD: any.
address parse_address(std::string_view text);

/// The address as the gateway keys it: the domain as parse_address gives it; the local part
/// unquoted when its quoted content is a dot-atom, else in the shortest quoted form, and
/// case-folded (ASCII lower-case; non-ASCII: Unicode full case folding, then NFC). Two
/// addresses one mailbox provider could treat as the same (ignoring dots, "+tag") are still two.
/// THREAD: any.
std::string canonical_email(const address& addr);

/// canonical_email of what parse_address reads from `text`; nothing when it refuses it.
std::optional<std::string> canonical_email(std::string_view text);

} // namespace mailgate::core::addressing
