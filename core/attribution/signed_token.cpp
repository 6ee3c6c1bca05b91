#include "core/attribution/signed_token.hpp"

#include "core/encoding/base64.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <stdexcept>

namespace mailgate::core::attribution {

void append_field(std::string& payload, std::string_view field, std::size_t max,
                  std::string_view what)
{
    if (field.size() > max) {
        throw std::invalid_argument(std::string(what) + " is longer than " + std::to_string(max) +
                                    " bytes");
    }
    payload += static_cast<char>(field.size());
    payload += field;
}

bool read_field(std::string_view& in, std::string& out, std::size_t max)
{
    if (in.empty()) {
        return false;
    }
    const std::size_t size = static_cast<unsigned char>(in[0]);
    if (size > max || in.size() < 1 + size) {
        return false;
    }
    out.assign(in.substr(1, size));
    in.remove_prefix(1 + size);
    return true;
}

std::array<unsigned char, 32> hmac_sha256(const std::array<unsigned char, 32>& key,
                                          std::string_view data)
{
    std::array<unsigned char, 32> out{};
    unsigned int size = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &size);
    return out;
}

token_tag truncated_tag(const std::array<unsigned char, 32>& key, std::string_view data)
{
    auto mac = hmac_sha256(key, data);
    token_tag out{};
    std::copy(mac.begin(), mac.begin() + out.size(), out.begin());
    OPENSSL_cleanse(mac.data(), mac.size());
    return out;
}

std::string join_token(std::string_view prefix, std::string_view payload, const token_tag& tag)
{
    return std::string(prefix) + encoding::base64url_encode(payload) + "." +
           encoding::base64url_encode({reinterpret_cast<const char*>(tag.data()), tag.size()});
}

std::optional<token_parts> split_token(std::string_view token, std::string_view prefix)
{
    const auto dot = token.find('.');
    if (!token.starts_with(prefix) || dot == std::string_view::npos) {
        return std::nullopt;
    }
    auto payload = encoding::base64url_decode(token.substr(prefix.size(), dot - prefix.size()));
    auto tag = encoding::base64url_decode(token.substr(dot + 1));
    token_parts parts;
    if (!payload || !tag || tag->size() != parts.tag.size()) {
        return std::nullopt;
    }
    parts.payload = std::move(*payload);
    std::copy(tag->begin(), tag->end(), parts.tag.begin());
    return parts;
}

bool tag_matches(const token_tag& expected, const token_tag& tag)
{
    return CRYPTO_memcmp(expected.data(), tag.data(), expected.size()) == 0;
}

} // namespace mailgate::core::attribution
