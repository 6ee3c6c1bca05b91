#pragma once

// The attribution token ("meta") the gateway puts on every outbound message and each ESP
// echoes back in its callbacks. It names the message, the campaign and the profile, and is
// signed (HMAC-SHA256, truncated to 128 bits) over those fields and the recipient's address,
// so a forged or altered token, or one replayed for another recipient, does not verify.
//
// Format: "m1" + base64url(fields) + "." + base64url(tag), where fields are three or four
// (the stream, when there is one) length-prefixed strings of at most 40 bytes each (20 for the
// stream). At most 217 characters, URL-safe: it fits header values and ESP metadata fields with
// length limits.

#include "core/attribution/meta_fields.hpp"

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace mailgate::core::attribution {

class meta_codec {
public:
    static constexpr std::size_t max_field_size = 40;
    /// Stream names are short: with them a token still fits Mandrill's 250 bytes of metadata.
    static constexpr std::size_t max_stream_size = 20;

    /// `key`: 32 bytes, the gateway's attribution key (attribution.key in the configuration).
    explicit meta_codec(const std::array<unsigned char, 32>& key) : key_(key) {}
    ~meta_codec();

    meta_codec(const meta_codec&) = delete;
    meta_codec& operator=(const meta_codec&) = delete;

    /// Throws std::invalid_argument when a field is longer than max_field_size or the email is
    /// not an address.
    std::string encode(const meta_fields& fields, std::string_view email) const;

    /// The fields, when the token is this gateway's and was made for `email` (compared in the
    /// canonical form, addressing::canonical_email); nothing otherwise. THREAD: any.
    std::optional<meta_fields> decode(std::string_view token, std::string_view email) const;

private:
    std::array<unsigned char, 16> tag(std::string_view fields, std::string_view email) const;

    std::array<unsigned char, 32> key_;
};

} // namespace mailgate::core::attribution
