#pragma once

// The signed return path (VERP) of a message sent through a provider with a bounce domain:
// b-<token>@<bounce domain>, the token naming the gateway's message id and signed with the
// attribution key. A bounce to it is tied to the message it returns, and a bounce to any other
// address at the bounce domain is refused: nobody can make the gateway suppress an address by
// mailing it a forged DSN.
//
// The token is base32 in lower case (a relay may change the case of a local part) of the
// message id's 18 bytes and an 80-bit tag: "b-" and 45 characters, under the 64 octets an
// SMTP local part may have (RFC 5321 §4.5.3.1.1).

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailgate::core::attribution {

class return_path_codec {
public:
    /// `key`: 32 bytes, the attribution key.
    explicit return_path_codec(const std::array<unsigned char, 32>& key) : key_(key) {}
    ~return_path_codec();

    return_path_codec(const return_path_codec&) = delete;
    return_path_codec& operator=(const return_path_codec&) = delete;

    /// b-<token>@`domain`, or nothing when `message_id` is not of the form the gateway gives
    /// its messages (12 hex digits of the time, 16 base64url characters).
    std::optional<std::string> encode(std::string_view message_id, std::string_view domain) const;

    /// The message id, when `address` is a return path this key signed, at one of `domains`
    /// (compared without case); nothing otherwise. THREAD: any.
    std::optional<std::string> decode(std::string_view address,
                                      const std::vector<std::string>& domains) const;

private:
    std::string tag(std::string_view id_bytes) const;

    std::array<unsigned char, 32> key_;
};

} // namespace mailgate::core::attribution
