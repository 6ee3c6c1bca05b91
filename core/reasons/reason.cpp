#include "core/reasons/reason.hpp"

#include <array>

namespace mailgate::core::reasons {
namespace {

// In the enum's order, checked by a test that round-trips every value.
constexpr std::array<std::string_view, reason_count> names{
    "undefined",     "onhold",          "userunknown",   "hostunknown",    "hasmoved",
    "notaccept",     "mailboxfull",     "exceedlimit",   "mesgtoobig",     "suspend",
    "filtered",      "blocked",         "rejected",      "norelaying",     "spamdetected",
    "virusdetected", "policyviolation", "securityerror", "authfailure",    "badreputation",
    "toomanyconn",   "speeding",        "requireptr",    "failedstarttls", "notcompliantrfc",
    "contenterror",  "syntaxerror",     "expired",       "systemerror",    "systemfull",
    "networkerror",  "mailererror",     "suppressed",    "feedback",       "vacation",
    "delivered",
};

} // namespace

std::string_view to_string(reason r) noexcept
{
    return names[static_cast<std::size_t>(r)];
}

std::optional<reason> parse_reason(std::string_view name) noexcept
{
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (names[i] == name) {
            return static_cast<reason>(i);
        }
    }
    return std::nullopt;
}

bool is_hard(reason r, bool permanent) noexcept
{
    switch (r) {
    case reason::userunknown:
    case reason::hostunknown:
    case reason::hasmoved:
        return true;
    case reason::notaccept:
        return permanent;
    default:
        return false;
    }
}

bool refuses_sender(reason r) noexcept
{
    switch (r) {
    case reason::blocked:
    case reason::badreputation:
    case reason::policyviolation:
    case reason::spamdetected:
    case reason::toomanyconn:
    case reason::speeding:
        return true;
    default:
        return false;
    }
}

} // namespace mailgate::core::reasons
