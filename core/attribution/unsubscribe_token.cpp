#include "core/attribution/unsubscribe_token.hpp"

#include "core/encoding/base64.hpp"
#include "core/events/router.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdexcept>

namespace mailgate::core::attribution {
namespace {

constexpr std::string_view prefix = "u1";
// Domain separation: the MAC key is HMAC(attribution key, this label), never the attribution
// key itself, so the two token kinds cannot stand in for each other.
constexpr std::string_view key_label = "mailgate unsubscribe token v1";

void append_field(std::string& out, std::string_view field, std::size_t max)
{
    if (field.size() > max) {
        throw std::invalid_argument("an unsubscribe token field is too long");
    }
    out += static_cast<char>(field.size());
    out += field;
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

} // namespace

unsubscribe_codec::unsubscribe_codec(const std::array<unsigned char, 32>& attribution_key)
    : key_(hmac_sha256(attribution_key, key_label))
{
}

unsubscribe_codec::~unsubscribe_codec()
{
    OPENSSL_cleanse(key_.data(), key_.size());
}

std::array<unsigned char, 16> unsubscribe_codec::tag(std::string_view fields) const
{
    auto mac = hmac_sha256(key_, fields);
    std::array<unsigned char, 16> out{};
    std::copy(mac.begin(), mac.begin() + out.size(), out.begin());
    OPENSSL_cleanse(mac.data(), mac.size());
    return out;
}

std::string unsubscribe_codec::encode(const unsubscribe_target& target) const
{
    const std::string address = events::normalise_email(target.email);
    if (address.empty()) {
        throw std::invalid_argument("the recipient is not an e-mail address");
    }
    std::string payload;
    append_field(payload, address, max_email_size);
    append_field(payload, target.campaign_id, max_campaign_size);
    append_field(payload, target.provider, max_provider_size);
    const auto mac = tag(payload);
    return std::string(prefix) + encoding::base64url_encode(payload) + "." +
           encoding::base64url_encode({reinterpret_cast<const char*>(mac.data()), mac.size()});
}

std::optional<unsubscribe_target> unsubscribe_codec::decode(std::string_view token) const
{
    const auto dot = token.find('.');
    if (token.size() > max_token_size || !token.starts_with(prefix) ||
        dot == std::string_view::npos) {
        return std::nullopt;
    }
    auto payload = encoding::base64url_decode(token.substr(prefix.size(), dot - prefix.size()));
    auto mac = encoding::base64url_decode(token.substr(dot + 1));
    if (!payload || !mac || mac->size() != 16) {
        return std::nullopt;
    }
    const auto expected = tag(*payload);
    if (CRYPTO_memcmp(expected.data(), mac->data(), expected.size()) != 0) {
        return std::nullopt;
    }
    unsubscribe_target target;
    std::string_view rest = *payload;
    if (!read_field(rest, target.email, max_email_size) ||
        !read_field(rest, target.campaign_id, max_campaign_size) ||
        !read_field(rest, target.provider, max_provider_size) || !rest.empty() ||
        target.email.empty()) {
        return std::nullopt;
    }
    return target;
}

} // namespace mailgate::core::attribution
