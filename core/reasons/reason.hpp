#pragma once

// Why a message was not delivered (or what else a report says), in one fixed vocabulary: the
// reason names of sisimai, the field's reference bounce classifier, so that operators can
// compare them with other tools. Every event source (ESP callbacks, SMTP-time refusals, bounce
// mail) reports one of these.

#include <cstdint>
#include <optional>
#include <string_view>

namespace mailgate::core::reasons {

enum class reason : std::uint8_t {
    undefined, ///< nothing in the report says why
    onhold,    ///< a report that says something, but not enough to decide
    // The recipient's address is bad.
    userunknown,
    hostunknown,
    hasmoved,
    notaccept,
    // The recipient's mailbox or account.
    mailboxfull,
    exceedlimit,
    mesgtoobig,
    suspend,
    filtered,
    // The receiver refuses the sender, not the recipient.
    blocked,
    rejected,
    norelaying,
    spamdetected,
    virusdetected,
    policyviolation,
    securityerror,
    authfailure,
    badreputation,
    toomanyconn,
    speeding,
    requireptr,
    failedstarttls,
    notcompliantrfc,
    contenterror,
    syntaxerror,
    // The systems on the way.
    expired,
    systemerror,
    systemfull,
    networkerror,
    mailererror,
    // The ESP's own decision.
    suppressed,
    // Not a failure.
    feedback,
    vacation,
    delivered,
};

/// How many reasons there are; arrays indexed by reason are sized by it.
inline constexpr std::size_t reason_count = static_cast<std::size_t>(reason::delivered) + 1;

/// "userunknown", ...: the name used in storage, the API, metrics and the configuration.
std::string_view to_string(reason r) noexcept;
std::optional<reason> parse_reason(std::string_view name) noexcept;

/// Whether a failure for this reason makes the address undeliverable: only userunknown,
/// hostunknown and hasmoved, and notaccept when the refusal was permanent. Everything else
/// (a full mailbox, the receiver refusing the sender) says nothing final about the address.
bool is_hard(reason r, bool permanent) noexcept;

/// Whether the reason means the receiver refused the sender (its IP, domain, reputation,
/// content or pace) rather than the recipient: such a refusal must not mark the recipient bad.
bool refuses_sender(reason r) noexcept;

} // namespace mailgate::core::reasons
