#include "core/attribution/meta_token.hpp"

#include "core/addressing/address.hpp"
#include "core/attribution/signed_token.hpp"

#include <openssl/crypto.h>

#include <stdexcept>

namespace mailgate::core::attribution {
namespace {

constexpr std::string_view prefix = "m1";
constexpr std::string_view field_name = "an attribution field";

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
    return truncated_tag(key_, input);
}

std::string meta_codec::encode(const meta_fields& fields, std::string_view email) const
{
    const auto address = addressing::canonical_email(email);
    if (!address) {
        throw std::invalid_argument("the recipient is not an e-mail address");
    }
    std::string payload;
    append_field(payload, fields.message_id, max_field_size, field_name);
    append_field(payload, fields.campaign_id, max_field_size, field_name);
    append_field(payload, fields.profile, max_field_size, field_name);
    // Without a stream the token is what it was before streams: old tokens keep verifying.
    if (!fields.stream.empty()) {
        append_field(payload, fields.stream, max_stream_size, field_name);
    }
    return join_token(prefix, payload, tag(payload, *address));
}

std::optional<meta_fields> meta_codec::decode(std::string_view token, std::string_view email) const
{
    auto parts = split_token(token, prefix);
    const auto address = addressing::canonical_email(email);
    if (!parts || !address || !tag_matches(tag(parts->payload, *address), parts->tag)) {
        return std::nullopt;
    }
    meta_fields fields;
    std::string_view rest = parts->payload;
    if (!read_field(rest, fields.message_id, max_field_size) ||
        !read_field(rest, fields.campaign_id, max_field_size) ||
        !read_field(rest, fields.profile, max_field_size) ||
        (!rest.empty() && !read_field(rest, fields.stream, max_stream_size)) || !rest.empty()) {
        return std::nullopt;
    }
    return fields;
}

} // namespace mailgate::core::attribution
