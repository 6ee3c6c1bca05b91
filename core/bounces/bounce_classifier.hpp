#pragma once

// Reads one returned message (a DSN, an MTA's own bounce text, an ARF complaint, an
// auto-reply) into per-recipient records with the taxonomy's reason. The order of decisions:
//
//   1. an ESP's JSON notification as the body (Amazon SES);
//   2. an ARF report (a message/feedback-report part);
//   3. an RFC 3464 / RFC 6533 delivery-status part: one record per failed or delayed
//      recipient, completed from the text where its Diagnostic-Code says little; a report
//      whose recipients were all delivered, relayed or expanded is `delivered`;
//   4. an MTA's own format, recognised by the rule tables of mta_rules.cpp (From, Subject,
//      headers, the text's first lines), read between that format's markers;
//   5. an RFC 3834 auto-reply (Auto-Submitted: auto-replied, X-Autoreply, ...) that none of the
//      above recognised: `auto_reply`, never a bounce;
//   6. a message from a mailer daemon that still names a failed address: a generic bounce;
//   7. anything else: `not_bounce`.
//
// The reason of every record comes from reasons::classify on its diagnostic, status and code.
//
// Bounds (hostile input costs at most these): the first `max_input_bytes` of a message are
// read; MIME parsing stops before the `max_content_types`-th Content-Type header line and the
// `max_container_types`-th multipart or message one (so GMime's tree stays small and shallow);
// at most `max_parts` parts are visited, `max_depth` levels deep; at most `max_text_bytes` of
// decoded text are scanned; at most `max_records` records are returned.

#include "core/bounces/bounce_result.hpp"

#include <cstddef>
#include <string_view>

namespace mailgate::core::bounces {

inline constexpr std::size_t max_input_bytes = 1024 * 1024;
inline constexpr std::size_t max_content_types = 1000;
inline constexpr std::size_t max_container_types = 64;
inline constexpr std::size_t max_parts = 256;
inline constexpr std::size_t max_depth = 8;
inline constexpr std::size_t max_text_bytes = 256 * 1024;
inline constexpr std::size_t max_records = 100;

/// Classifies one raw RFC 5322 message exactly as received (CR, LF or CRLF line ends, any
/// charset, broken MIME, NUL bytes). Never throws; what cannot be read is `not_bounce`.
/// The input is only read during the call; the result owns all its strings.
/// THREAD: any, concurrently (GMime is initialised once, on first use).
bounce_result classify_message(std::string_view raw) noexcept;

} // namespace mailgate::core::bounces
