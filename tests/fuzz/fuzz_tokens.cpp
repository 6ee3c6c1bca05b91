// The gateway's signed tokens, under one fixed key: the attribution token (meta_codec) that
// ESPs echo in their callbacks, the unsubscribe token in the preference center's links
// (unsubscribe_codec) and the signed return path bounces are addressed to (return_path_codec,
// fed the address). Every decoder takes bytes from anyone on the internet.
//
// Input, read with libFuzzer's FuzzedDataProvider (each string up to a backslash not doubled):
// a token and an address, both decoded as they are; then an address and five fields, from
// which tokens are minted, checked and altered at the positions the rest of the input picks.
// Decoding arbitrary bytes finds the decoders' crashes; only minting reaches a valid tag, so
// the round trip and the altered tokens exercise what lies behind the MAC.

#include "core/addressing/address.hpp"
#include "core/attribution/meta_token.hpp"
#include "core/attribution/return_path.hpp"
#include "core/attribution/unsubscribe_token.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace {

namespace addressing = mailgate::core::addressing;
using mailgate::core::attribution::meta_codec;
using mailgate::core::attribution::meta_fields;
using mailgate::core::attribution::return_path_codec;
using mailgate::core::attribution::unsubscribe_codec;
using mailgate::core::attribution::unsubscribe_target;

void check(bool ok)
{
    if (!ok) {
        std::abort();
    }
}

constexpr std::array<unsigned char, 32> key = {
    0x6d, 0x61, 0x69, 0x6c, 0x67, 0x61, 0x74, 0x65, 0x2d, 0x66, 0x75, 0x7a, 0x7a, 0x2d, 0x6b, 0x65,
    0x79, 0x2d, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x61, 0x62, 0x63, 0x64};

const meta_codec& meta()
{
    static const meta_codec codec(key);
    return codec;
}

const return_path_codec& return_paths()
{
    static const return_path_codec codec(key);
    return codec;
}

const unsubscribe_codec& unsubscribe()
{
    static const unsubscribe_codec codec(key);
    return codec;
}

// URL-safe: "m1"/"u1", base64url, ".", base64url.
bool is_token_text(std::string_view token, std::string_view prefix)
{
    if (!token.starts_with(prefix) || token.find('.') == std::string_view::npos) {
        return false;
    }
    for (const char c : token) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
        if (!ok) {
            return false;
        }
    }
    return true;
}

// Every decoded token is one the codec mints: the base64 is strict, so the text too.
void decode_arbitrary(const std::string& token, const std::string& email)
{
    if (const auto fields = meta().decode(token, email)) {
        check(fields->message_id.size() <= meta_codec::max_field_size);
        check(fields->campaign_id.size() <= meta_codec::max_field_size);
        check(fields->profile.size() <= meta_codec::max_field_size);
        check(meta().encode(*fields, email) == token);
    }
    // A return path that verifies is one the codec mints, in lower case.
    if (const auto id = return_paths().decode(email, {"bounces.example.com"})) {
        std::string lower = email;
        for (char& c : lower) {
            c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
        }
        check(return_paths().encode(*id, "bounces.example.com") == lower);
    }
    if (const auto target = unsubscribe().decode(token)) {
        check(addressing::canonical_email(target->email) == target->email);
        check(target->campaign_id.size() <= unsubscribe_codec::max_campaign_size);
        check(target->provider.size() <= unsubscribe_codec::max_provider_size);
    }
}

// One byte of `token` changed: the token no longer verifies.
std::string altered(const std::string& token, FuzzedDataProvider& in)
{
    std::string out = token;
    const auto at = in.ConsumeIntegralInRange<std::size_t>(0, out.size() - 1);
    out[at] = static_cast<char>(out[at] ^ in.ConsumeIntegralInRange<int>(1, 255));
    return out;
}

void round_trip_meta(const meta_fields& fields, const std::string& email,
                     const std::string& canonical, FuzzedDataProvider& in)
{
    const std::string token = meta().encode(fields, email);
    check(is_token_text(token, "m1") && token.size() <= 189);
    const auto same = [&](const std::optional<meta_fields>& back) {
        return back && back->message_id == fields.message_id &&
               back->campaign_id == fields.campaign_id && back->profile == fields.profile;
    };
    check(same(meta().decode(token, email)));
    // Verified in the canonical form, so that form does too, when it is an address (case
    // folding can take a local part past 64 octets).
    check(addressing::canonical_email(canonical) != canonical ||
          same(meta().decode(token, canonical)));
    // Made for one recipient: another address does not verify.
    const std::string other = "x" + canonical;
    check(addressing::canonical_email(other) == canonical || !meta().decode(token, other));
    check(!unsubscribe().decode(token));
    for (int i = 0; i < 4 && in.remaining_bytes() > 0; ++i) {
        check(!meta().decode(altered(token, in), email));
    }
}

void round_trip_unsubscribe(const unsubscribe_target& target, const std::string& canonical,
                            FuzzedDataProvider& in)
{
    std::string token;
    try {
        token = unsubscribe().encode(target);
    } catch (const std::invalid_argument&) {
        // Case folding can take an accepted address past 254 octets: no link is minted for it
        // (message_composer refuses the request, naming why).
        check(canonical.size() > unsubscribe_codec::max_email_size);
        return;
    }
    check(is_token_text(token, "u1") && token.size() <= unsubscribe_codec::max_token_size);
    const auto back = unsubscribe().decode(token);
    check(back && back->email == canonical && back->campaign_id == target.campaign_id &&
          back->provider == target.provider);
    check(!meta().decode(token, canonical));
    for (int i = 0; i < 4 && in.remaining_bytes() > 0; ++i) {
        check(!unsubscribe().decode(altered(token, in)));
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    FuzzedDataProvider in(data, size);
    const std::string token = in.ConsumeRandomLengthString(1024);
    const std::string email = in.ConsumeRandomLengthString(512);
    decode_arbitrary(token, email);

    // The fields within the codecs' limits; the address as the API took it.
    const std::string address = in.ConsumeRandomLengthString(512);
    meta_fields fields;
    fields.message_id = in.ConsumeRandomLengthString(meta_codec::max_field_size);
    fields.campaign_id = in.ConsumeRandomLengthString(meta_codec::max_field_size);
    fields.profile = in.ConsumeRandomLengthString(meta_codec::max_field_size);
    const std::string provider = in.ConsumeRandomLengthString(unsubscribe_codec::max_provider_size);
    const auto canonical = addressing::canonical_email(address);
    if (!canonical) {
        // Not an address: nothing is minted for it.
        try {
            (void)meta().encode(fields, address);
            std::abort();
        } catch (const std::invalid_argument&) {
        }
        return 0;
    }
    round_trip_meta(fields, address, *canonical, in);
    round_trip_unsubscribe({address, fields.campaign_id, provider}, *canonical, in);
    return 0;
}
