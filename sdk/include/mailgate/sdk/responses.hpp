#pragma once

/// The response texts ESPs integrated with the gateway's callback formats already know
/// (docs/http-api.md). Drivers use them as error messages and errorDescription values, so every
/// driver answers in the same words.

namespace mailgate::sdk::responses {

/// The body cannot be read (not JSON, truncated, not UTF-8, too deep).
inline constexpr const char* unreadable_body = "Exception occurred while reading input stream";
/// Readable, but not the format.
inline constexpr const char* missing_parameters =
    "Bad request. Some mandatory parameters were missing.";
/// More items than the driver's max_callback_events.
inline constexpr const char* too_many_events = "More than allowed events received.";
/// An item whose event type maps to no event kind.
inline constexpr const char* unmapped_event = "Could not map event to any bounce type";
/// An item without a usable recipient address.
inline constexpr const char* invalid_email = "invalid email";
/// An item whose attribution token is missing or does not verify.
inline constexpr const char* invalid_meta = "invalid meta";

} // namespace mailgate::sdk::responses
