#pragma once

// The token in the system preference center's links (`{public_url}/u/{token}`): it names the
// recipient, the campaign and the provider, so the page can show the address and the opt-out
// can be attributed, and it is signed so nobody can unsubscribe anyone else.
//
// Format: "u1" + base64url(fields) + "." + base64url(tag), where fields are three
// length-prefixed strings (address, campaign, provider) and the tag is HMAC-SHA256 truncated to
// 128 bits. The MAC key is derived from the attribution key for this use alone, so a meta token
// never verifies as an unsubscribe token, nor the other way round. At most max_token_size
// characters, URL-safe.

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace mailgate::core::attribution {

struct unsubscribe_target {
    std::string email; ///< canonical (addressing::canonical_email)
    std::string campaign_id;
    std::string provider; ///< the provider's nickname
};

class unsubscribe_codec {
public:
    static constexpr std::size_t max_email_size = 254; // RFC 5321's path limit, less <>
    static constexpr std::size_t max_campaign_size = 40;
    static constexpr std::size_t max_provider_size = 64;
    /// The longest fields (363 bytes with their lengths) make 484 base64url characters, the
    /// tag 22: longer input is refused before any decoding.
    static constexpr std::size_t max_token_size = 2 + 484 + 1 + 22;

    /// `attribution_key`: the 32-byte attribution.key; the codec keeps only a key derived
    /// from it.
    explicit unsubscribe_codec(const std::array<unsigned char, 32>& attribution_key);
    ~unsubscribe_codec();

    unsubscribe_codec(const unsubscribe_codec&) = delete;
    unsubscribe_codec& operator=(const unsubscribe_codec&) = delete;

    /// Throws std::invalid_argument when the email is not an address or a field is too long.
    std::string encode(const unsubscribe_target& target) const;

    /// The target, when the token is this gateway's and unaltered; nothing otherwise.
    /// THREAD: any.
    std::optional<unsubscribe_target> decode(std::string_view token) const;

private:
    std::array<unsigned char, 16> tag(std::string_view fields) const;

    std::array<unsigned char, 32> key_;
};

} // namespace mailgate::core::attribution
