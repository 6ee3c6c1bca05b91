#include "core/attribution/return_path.hpp"

#include "core/attribution/signed_token.hpp"
#include "core/encoding/ascii.hpp"
#include "core/encoding/base32.hpp"
#include "core/encoding/base64.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <charconv>
#include <cstdint>

namespace mailgate::core::attribution {
namespace {

constexpr std::string_view local_prefix = "b-";
constexpr std::size_t time_digits = 12;
constexpr std::size_t random_chars = 16;
constexpr std::size_t id_bytes = 6 + 12;
constexpr std::size_t tag_bytes = 10;
constexpr std::size_t token_chars = (id_bytes + tag_bytes) * 8 / 5 + 1;

// The id's time (48 bits, big-endian) and its 12 random bytes.
std::optional<std::string> pack_id(std::string_view id)
{
    if (id.size() != time_digits + random_chars) {
        return std::nullopt;
    }
    const std::string_view time = id.substr(0, time_digits);
    uint64_t ms = 0;
    auto [end, ec] = std::from_chars(time.data(), time.data() + time.size(), ms, 16);
    if (ec != std::errc() || end != time.data() + time.size() ||
        time != encoding::ascii_lower(time)) {
        return std::nullopt;
    }
    auto random = encoding::base64url_decode(id.substr(time_digits));
    if (!random || random->size() != 12) {
        return std::nullopt;
    }
    std::string out;
    for (int shift = 40; shift >= 0; shift -= 8) {
        out += static_cast<char>((ms >> shift) & 0xff);
    }
    return out + *random;
}

std::string unpack_id(std::string_view bytes)
{
    uint64_t ms = 0;
    for (std::size_t i = 0; i < 6; ++i) {
        ms = (ms << 8) | static_cast<unsigned char>(bytes[i]);
    }
    char digits[time_digits + 1] = {};
    auto [end, ec] = std::to_chars(digits, digits + time_digits, ms, 16);
    const std::string time(digits, end);
    return std::string(time_digits - time.size(), '0') + time +
           encoding::base64url_encode(bytes.substr(6));
}

} // namespace

return_path_codec::~return_path_codec()
{
    OPENSSL_cleanse(key_.data(), key_.size());
}

std::string return_path_codec::tag(std::string_view id) const
{
    // Its own label in the MAC: a tag made for another token of the same key never verifies
    // here.
    std::string input("return-path");
    input += '\0';
    input += id;
    const auto full = hmac_sha256(key_, input);
    return std::string(reinterpret_cast<const char*>(full.data()), tag_bytes);
}

std::optional<std::string> return_path_codec::encode(std::string_view message_id,
                                                     std::string_view domain) const
{
    auto packed = pack_id(message_id);
    if (!packed) {
        return std::nullopt;
    }
    return std::string(local_prefix) + encoding::base32_encode(*packed + tag(*packed)) + "@" +
           encoding::ascii_lower(domain);
}

std::optional<std::string> return_path_codec::decode(std::string_view address,
                                                     const std::vector<std::string>& domains) const
{
    const auto at = address.rfind('@');
    if (at == std::string_view::npos) {
        return std::nullopt;
    }
    const std::string domain = encoding::ascii_lower(address.substr(at + 1));
    const bool ours = std::any_of(domains.begin(), domains.end(), [&](const std::string& d) {
        return encoding::ascii_lower(d) == domain;
    });
    const std::string local = encoding::ascii_lower(address.substr(0, at));
    if (!ours || local.size() != local_prefix.size() + token_chars ||
        local.rfind(local_prefix, 0) != 0) {
        return std::nullopt;
    }
    auto bytes = encoding::base32_decode(std::string_view(local).substr(local_prefix.size()));
    if (!bytes || bytes->size() != id_bytes + tag_bytes) {
        return std::nullopt;
    }
    const std::string_view id = std::string_view(*bytes).substr(0, id_bytes);
    const std::string expected = tag(id);
    if (CRYPTO_memcmp(expected.data(), bytes->data() + id_bytes, tag_bytes) != 0) {
        return std::nullopt;
    }
    return unpack_id(id);
}

} // namespace mailgate::core::attribution
