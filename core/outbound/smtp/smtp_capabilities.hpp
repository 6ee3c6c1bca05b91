#pragma once

// The service extensions a server lists in its reply to EHLO (RFC 5321 §4.1.1.1).

#include "core/outbound/smtp/smtp_reply.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mailgate::core::outbound::smtp {

class smtp_capabilities {
public:
    /// None: what a server that only knows HELO offers.
    smtp_capabilities() = default;

    /// From the 250 reply to EHLO: the first line is the greeting, each further one a keyword
    /// and its parameters.
    static smtp_capabilities from_ehlo(const smtp_reply& reply);

    /// Keywords compare case-insensitively.
    bool has(std::string_view keyword) const;
    bool offers_auth(std::string_view mechanism) const;
    /// The advertised SIZE limit in bytes; nothing when there is none (absent or "SIZE 0").
    std::optional<std::size_t> size_limit() const;

private:
    const std::string* parameters(std::string_view keyword) const;

    std::vector<std::pair<std::string, std::string>> entries_; // keyword, parameters
};

} // namespace mailgate::core::outbound::smtp
