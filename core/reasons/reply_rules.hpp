#pragma once

// The data behind the reply classifier: which phrases of a reply text and which enhanced status
// codes mean which reason. Kept apart from the algorithm so that a new receiver's wording is a
// line in a table.

#include "core/reasons/reason.hpp"

#include <optional>
#include <span>
#include <string_view>

namespace mailgate::core::reasons {

/// A phrase in lower case; a '*' stands for any run of characters, so "user*unknown" matches
/// "user is unknown". A strong phrase decides alone; a weak one (generic wording such as
/// "mailbox unavailable" or "policy") only when the status code says nothing specific.
struct phrase_rule {
    std::string_view phrase;
    reason why;
    bool strong = true;
};

/// Every phrase rule, in the order they are tried: the first match wins.
std::span<const phrase_rule> phrase_rules() noexcept;

struct status_meaning {
    reason why;
    /// A generic meaning (5.7.1 "delivery not authorised", 5.0.0) yields to a weak phrase.
    bool generic = false;
};

/// What a receiver's own error code in the (lower-case, folded) text says, if it carries one:
/// Orange's and La Poste's "OFR_506", "OFR005_505", "LPN007_426" name the reason exactly.
std::optional<reason> receiver_code_reason(std::string_view folded_text) noexcept;

/// What an enhanced status code means by itself ("5.1.1" is userunknown), if anything.
std::optional<status_meaning> status_reason(std::string_view status) noexcept;

} // namespace mailgate::core::reasons
