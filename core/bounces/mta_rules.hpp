#pragma once

// What each MTA's own bounce format looks like, as data: how to recognise it and where its
// failure text starts and ends. The reading itself is one algorithm for all (text_bounce in
// bounce_classifier.cpp): addresses in that text, each with the lines that follow it.

#include "core/reasons/reason.hpp"

#include <array>
#include <span>
#include <string_view>

namespace mailgate::core::bounces {

enum class sign_in {
    none,
    text,    ///< a phrase of the message's text (case-insensitive)
    subject, ///< a phrase of the Subject
    from,    ///< a phrase of the From header
    header,  ///< a header of this name is present (lower case)
    mailer,  ///< a phrase of the X-Mailer header
};

struct sign {
    sign_in in = sign_in::none;
    std::string_view phrase;
};

struct mta_rule {
    std::string_view name;
    std::array<sign, 4> signs; ///< any one recognises the format
    /// The failure text starts after the first line containing one of these (else at the top).
    std::array<std::string_view, 4> begin;
    /// The returned original starts at the first line containing one of these.
    std::array<std::string_view, 4> end;
    /// The reason when the text says nothing the reply classifier knows (a format that only
    /// ever reports one failure), or undefined.
    reasons::reason fallback = reasons::reason::undefined;
};

/// The SMTP command a refusal answered, as reports name it.
enum class smtp_stage { unknown, connect, mail, rcpt, data };

struct stage_phrase {
    std::string_view phrase; ///< lower case
    smtp_stage stage;
    /// Wording that implies the stage ("Recipient address rejected") rather than a transcript
    /// or lead-in naming the command: it yields to one that names it.
    bool implied = false;
};

std::span<const stage_phrase> stage_phrases() noexcept;

/// What MTAs write before the remote server's own words ("Remote host said:").
std::span<const std::string_view> server_word_markers() noexcept;

struct last_resort_phrase {
    std::string_view phrase; ///< lower case
    reasons::reason why;
};

/// Wording that names the reason only when neither the reply classifier's phrases nor the
/// status say anything (Postfix's bare "Recipient address rejected." after a 5.0.0).
std::span<const last_resort_phrase> last_resort_phrases() noexcept;

/// What a warning says of a message the MTA still retries (its records' action: delayed).
std::span<const std::string_view> delay_phrases() noexcept;

/// The formats in the order they are tried; the first recognised wins.
std::span<const mta_rule> mta_rules() noexcept;

/// Lines that start the returned original in any format (the text of a bounce ends there).
std::span<const std::string_view> original_markers() noexcept;

/// Subjects and senders of bounces from mailer daemons whose format no rule knows.
std::span<const sign> daemon_signs() noexcept;

/// Filtering gateways (appliances in front of the mailbox servers): when one of them reports
/// an unknown user with no X.1.x status, its filter refused the address (`filtered`).
std::span<const sign> filter_gateway_signs() noexcept;

/// What only a mailer daemon writes: a bounce that carries Auto-Submitted still is one.
std::span<const sign> daemon_only_signs() noexcept;

/// Headers and subjects of RFC 3834 auto-replies and vacation notices.
std::span<const sign> auto_reply_signs() noexcept;

} // namespace mailgate::core::bounces
