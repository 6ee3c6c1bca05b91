#pragma once

// Times as text, RFC 3339 in UTC: how exports, reports and the API write them and how an
// operator may give them back. Pure arithmetic on the proleptic Gregorian calendar (no gmtime_r
// or timegm: no time zone database, no locale, any thread).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mailgate::core::base {

/// The last second ISO 8601's four-digit years reach, 9999-12-31T23:59:59Z.
inline constexpr int64_t max_iso_seconds = 253402300799;

/// "2026-12-07T17:40:26.123Z" for Unix milliseconds `ms` in 0..max_iso_seconds*1000+999.
std::string format_iso_time(int64_t ms);

/// Unix milliseconds of an RFC 3339 time: YYYY-MM-DDTHH:MM:SS, optional fraction (digits past
/// the millisecond dropped), then Z or an offset +hh:mm / -hh:mm ('T' may be 't' or a space, 'Z'
/// 'z'). Nothing for anything else, or a time before 1970 or after 9999.
std::optional<int64_t> parse_iso_time(std::string_view text);

} // namespace mailgate::core::base
