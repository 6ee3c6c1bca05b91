#include "core/attribution/signed_token.hpp"

#include "core/encoding/base64.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <memory>
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

namespace {

// One context per thread with its digest set once: HMAC() fetches the MAC and the digest from
// the provider store, under its lock, on every call, and a token is signed per recipient.
EVP_MAC_CTX* thread_hmac()
{
    thread_local const std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)> ctx(
        [] {
            const std::unique_ptr<EVP_MAC, decltype(&EVP_MAC_free)> mac(
                EVP_MAC_fetch(nullptr, "HMAC", nullptr), &EVP_MAC_free);
            EVP_MAC_CTX* made = mac ? EVP_MAC_CTX_new(mac.get()) : nullptr;
            char digest[] = "SHA256";
            const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0),
                                         OSSL_PARAM_construct_end()};
            if (made != nullptr && EVP_MAC_CTX_set_params(made, params) != 1) {
                EVP_MAC_CTX_free(made);
                made = nullptr;
            }
            return made;
        }(),
        &EVP_MAC_CTX_free);
    if (!ctx) {
        throw std::runtime_error("HMAC-SHA256 is not available");
    }
    return ctx.get();
}

} // namespace

std::array<unsigned char, 32> hmac_sha256(const std::array<unsigned char, 32>& key,
                                          std::string_view data)
{
    EVP_MAC_CTX* ctx = thread_hmac();
    std::array<unsigned char, 32> out{};
    std::size_t size = 0;
    if (EVP_MAC_init(ctx, key.data(), key.size(), nullptr) != 1 ||
        EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size()) !=
            1 ||
        EVP_MAC_final(ctx, out.data(), &size, out.size()) != 1) {
        throw std::runtime_error("HMAC-SHA256 failed");
    }
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
