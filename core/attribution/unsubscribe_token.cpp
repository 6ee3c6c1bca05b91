#include "core/attribution/unsubscribe_token.hpp"

#include "core/addressing/address.hpp"
#include "core/attribution/signed_token.hpp"

#include <openssl/crypto.h>

#include <stdexcept>

namespace mailgate::core::attribution {
namespace {

constexpr std::string_view prefix = "u1";
// Domain separation: the MAC key is HMAC(attribution key, this label), never the attribution
// key itself, so the two token kinds cannot stand in for each other.
constexpr std::string_view key_label = "mailgate unsubscribe token v1";
constexpr std::string_view field_name = "an unsubscribe token field";

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
    return truncated_tag(key_, fields);
}

std::string unsubscribe_codec::encode(const unsubscribe_target& target) const
{
    const auto address = addressing::canonical_email(target.email);
    if (!address) {
        throw std::invalid_argument("the recipient is not an e-mail address");
    }
    std::string payload;
    append_field(payload, *address, max_email_size, field_name);
    append_field(payload, target.campaign_id, max_campaign_size, field_name);
    append_field(payload, target.provider, max_provider_size, field_name);
    return join_token(prefix, payload, tag(payload));
}

std::optional<unsubscribe_target> unsubscribe_codec::decode(std::string_view token) const
{
    if (token.size() > max_token_size) {
        return std::nullopt;
    }
    auto parts = split_token(token, prefix);
    if (!parts || !tag_matches(tag(parts->payload), parts->tag)) {
        return std::nullopt;
    }
    unsubscribe_target target;
    std::string_view rest = parts->payload;
    if (!read_field(rest, target.email, max_email_size) ||
        !read_field(rest, target.campaign_id, max_campaign_size) ||
        !read_field(rest, target.provider, max_provider_size) || !rest.empty()) {
        return std::nullopt;
    }
    // Links sent before the canonical form carry the address as it was keyed then. A canonical
    // form need not parse as an address itself (case folding can take a local part past 64
    // octets): the tag vouches for what encode wrote, so it stays as it is.
    if (auto canonical = addressing::canonical_email(target.email)) {
        target.email = std::move(*canonical);
    }
    return target;
}

} // namespace mailgate::core::attribution
