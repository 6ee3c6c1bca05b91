#pragma once

// The framing both of the gateway's signed tokens share (meta_token, unsubscribe_token):
// prefix + base64url(length-prefixed fields) + "." + base64url(HMAC-SHA256 truncated to 128
// bits). Each codec chooses its prefix, its fields and what its MAC covers.

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace mailgate::core::attribution {

using token_tag = std::array<unsigned char, 16>;

/// Appends `field` with a one-byte length. Throws std::invalid_argument("`what` is longer than
/// `max` bytes") when it does not fit; `max` is at most 255.
void append_field(std::string& payload, std::string_view field, std::size_t max,
                  std::string_view what);

/// Reads one length-prefixed field of at most `max` bytes off the front of `in`; false when the
/// bytes do not hold one.
bool read_field(std::string_view& in, std::string& out, std::size_t max);

/// HMAC-SHA256 of `data` under `key`, whole.
std::array<unsigned char, 32> hmac_sha256(const std::array<unsigned char, 32>& key,
                                          std::string_view data);

/// The first 128 bits of hmac_sha256.
token_tag truncated_tag(const std::array<unsigned char, 32>& key, std::string_view data);

/// `prefix` + base64url(payload) + "." + base64url(tag).
std::string join_token(std::string_view prefix, std::string_view payload, const token_tag& tag);

struct token_parts {
    std::string payload; ///< the length-prefixed fields, not yet verified
    token_tag tag;
};

/// The payload and tag of a token with `prefix`; nothing when it is not shaped like one.
std::optional<token_parts> split_token(std::string_view token, std::string_view prefix);

/// Whether `tag` is `expected`, compared in constant time.
bool tag_matches(const token_tag& expected, const token_tag& tag);

} // namespace mailgate::core::attribution
