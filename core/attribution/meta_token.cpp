#include "core/attribution/meta_token.hpp"

#include "core/encoding/base64.hpp"
#include "core/events/router.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdexcept>

namespace mailgate::core::attribution {
namespace {

constexpr std::string_view prefix = "m1";

void append_field(std::string& out, const std::string& field)
{
    if (field.size() > meta_codec::max_field_size) {
        throw std::invalid_argument("an attribution field is longer than 40 bytes");
    }
    out += static_cast<char>(field.size());
    out += field;
}

// Reads one length-prefixed field; false when the bytes do not hold one.
bool read_field(std::string_view& in, std::string& out)
{
    if (in.empty()) {
        return false;
    }
    const std::size_t size = static_cast<unsigned char>(in[0]);
    if (size > meta_codec::max_field_size || in.size() < 1 + size) {
        return false;
    }
    out.assign(in.substr(1, size));
    in.remove_prefix(1 + size);
    return true;
}

} // namespace

meta_codec::~meta_codec()
{
    OPENSSL_cleanse(key_.data(), key_.size());
}

std::array<unsigned char, 16> meta_codec::tag(std::string_view fields, std::string_view email) const
{
    // The address joins the MAC, not the token: the token stays short and still names one
    // recipient. A NUL separates them so no field can run into the address.
    std::string input(fields);
    input += '\0';
    input += email;
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
         reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &size);
    std::array<unsigned char, 16> out{};
    std::copy(mac, mac + out.size(), out.begin());
    return out;
}

std::string meta_codec::encode(const events::attribution& fields, std::string_view email) const
{
    const std::string address = events::normalise_email(email);
    if (address.empty()) {
        throw std::invalid_argument("the recipient is not an e-mail address");
    }
    std::string payload;
    append_field(payload, fields.message_id);
    append_field(payload, fields.campaign_id);
    append_field(payload, fields.profile);
    const auto mac = tag(payload, address);
    return std::string(prefix) + encoding::base64url_encode(payload) + "." +
           encoding::base64url_encode({reinterpret_cast<const char*>(mac.data()), mac.size()});
}

std::optional<events::attribution> meta_codec::decode(std::string_view token,
                                                      std::string_view email) const
{
    const auto dot = token.find('.');
    if (!token.starts_with(prefix) || dot == std::string_view::npos) {
        return std::nullopt;
    }
    auto payload = encoding::base64url_decode(token.substr(prefix.size(), dot - prefix.size()));
    auto mac = encoding::base64url_decode(token.substr(dot + 1));
    const std::string address = events::normalise_email(email);
    if (!payload || !mac || mac->size() != 16 || address.empty()) {
        return std::nullopt;
    }
    const auto expected = tag(*payload, address);
    if (CRYPTO_memcmp(expected.data(), mac->data(), expected.size()) != 0) {
        return std::nullopt;
    }
    events::attribution fields;
    std::string_view rest = *payload;
    if (!read_field(rest, fields.message_id) || !read_field(rest, fields.campaign_id) ||
        !read_field(rest, fields.profile) || !rest.empty()) {
        return std::nullopt;
    }
    return fields;
}

} // namespace mailgate::core::attribution
