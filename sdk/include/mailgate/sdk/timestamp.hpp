#pragma once

/// Helpers for ESP signatures that cover a timestamp (SendGrid, Mailgun): the timestamp read as
/// it was signed, and its age checked against a tolerance so that an old capture cannot be
/// replayed. Header-only, no dependencies. THREAD: any; nothing here keeps state.

#include <charconv>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>
#include <system_error>

namespace mailgate::sdk {

/// `text` as decimal Unix seconds: digits only, no sign, space or exponent, because the ESP
/// signs the text as it is and no other spelling of the number may pass. Nothing when `text`
/// is anything else or does not fit in 64 bits.
inline std::optional<std::int64_t> parse_unix_seconds(std::string_view text)
{
    std::int64_t seconds = 0;
    const char* end = text.data() + text.size();
    auto [stop, ec] = std::from_chars(text.data(), end, seconds);
    if (text.empty() || text.front() == '-' || ec != std::errc() || stop != end) {
        return std::nullopt;
    }
    return seconds;
}

/// Whether `sent` lies within `tolerance` seconds of `now`, on either side. Written without a
/// subtraction that could overflow: `sent` comes from the request and may be up to INT64_MAX.
inline bool within_tolerance(std::int64_t sent, std::int64_t now, std::int64_t tolerance)
{
    return sent > now ? sent - now <= tolerance : now - sent <= tolerance;
}

/// The system clock as Unix seconds.
inline std::int64_t unix_now()
{
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

} // namespace mailgate::sdk
