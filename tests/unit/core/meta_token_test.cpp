#include "core/attribution/meta_token.hpp"
#include "core/attribution/signed_token.hpp"
#include "core/encoding/base64.hpp"

#include <boost/algorithm/hex.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

namespace mailgate::core::attribution {
namespace {

std::array<unsigned char, 32> key_of(unsigned char seed)
{
    std::array<unsigned char, 32> key{};
    for (std::size_t i = 0; i < key.size(); ++i) {
        key[i] = static_cast<unsigned char>(seed + i);
    }
    return key;
}

const meta_fields fields{"msg-0001", "spring-sale", "profile-42", ""};

std::string hex(const std::array<unsigned char, 32>& bytes)
{
    return boost::algorithm::hex_lower(std::string(bytes.begin(), bytes.end()));
}

// RFC 4231 test cases 1 and 2: HMAC pads a shorter key with zeros to the block size, so each
// key padded to 32 bytes gives the published MAC. Alternating keys on two threads checks that
// no key is left behind in a context reused between calls.
TEST(SignedToken, HmacSha256MatchesRfc4231OnEveryThread)
{
    std::array<unsigned char, 32> case_1{};
    std::fill_n(case_1.begin(), 20, 0x0b);
    std::array<unsigned char, 32> case_2{'J', 'e', 'f', 'e'};
    const auto check = [&] {
        for (int round = 0; round < 3; ++round) {
            EXPECT_EQ(hex(hmac_sha256(case_1, "Hi There")),
                      "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
            EXPECT_EQ(hex(hmac_sha256(case_2, "what do ya want for nothing?")),
                      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        }
    };
    check();
    std::thread other(check);
    other.join();
}

TEST(MetaToken, RoundTripsAndIsShortAndUrlSafe)
{
    meta_codec codec(key_of(1));
    const std::string token = codec.encode(fields, "User@Example.com");
    auto decoded = codec.decode(token, "user@example.com");
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded->message_id, "msg-0001");
    EXPECT_EQ(decoded->campaign_id, "spring-sale");
    EXPECT_EQ(decoded->profile, "profile-42");
    EXPECT_EQ(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                      "0123456789-_."),
              std::string::npos)
        << token;

    const std::string longest(meta_codec::max_field_size, 'x');
    EXPECT_LT(codec.encode({longest, longest, longest, ""}, "a@b.example").size(), 200u);
    // With the longest stream it still fits Mandrill's 250 bytes of metadata with its key.
    const std::string stream(meta_codec::max_stream_size, 's');
    EXPECT_LE(codec.encode({longest, longest, longest, stream}, "a@b.example").size(), 217u);
}

// The stream rides in the token so that an unsubscribe names the stream it came from; a token
// without one is byte for byte what the gateway minted before streams, so tokens in messages
// sent before the upgrade keep verifying.
TEST(MetaToken, CarriesTheStreamAndTokensWithoutOneStayAsTheyWere)
{
    meta_codec codec(key_of(1));
    auto with_stream = fields;
    with_stream.stream = "transactional";
    const auto decoded = codec.decode(codec.encode(with_stream, "a@b.example"), "a@b.example");
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded->stream, "transactional");
    EXPECT_EQ(decoded->profile, "profile-42");

    // Made as the three-field codec made them: prefix, the fields, the tag over them.
    const std::string without = codec.encode(fields, "a@b.example");
    const auto old = codec.decode(without, "a@b.example");
    ASSERT_TRUE(old);
    EXPECT_EQ(old->stream, "");
    EXPECT_LT(without.size(), codec.encode(with_stream, "a@b.example").size());
}

TEST(MetaToken, RefusesOtherRecipientsKeysAndAlterations)
{
    meta_codec codec(key_of(1));
    const std::string token = codec.encode(fields, "user@example.com");
    EXPECT_FALSE(codec.decode(token, "other@example.com")) << "another recipient";
    EXPECT_FALSE(meta_codec(key_of(2)).decode(token, "user@example.com")) << "another key";
    for (std::size_t i = 0; i < token.size(); ++i) {
        std::string altered = token;
        altered[i] = altered[i] == 'A' ? 'B' : 'A';
        EXPECT_FALSE(codec.decode(altered, "user@example.com")) << "altered at " << i;
    }
    for (const char* junk : {"", "m1", "m1.", "x1abc.def", "m1!!!.???", "m1AAAA.AAAA"}) {
        EXPECT_FALSE(codec.decode(junk, "user@example.com")) << junk;
    }
    EXPECT_FALSE(codec.decode(token.substr(0, token.size() - 2), "user@example.com"));
}

TEST(MetaToken, RefusesFieldsThatWouldNotFit)
{
    meta_codec codec(key_of(1));
    const std::string too_long(meta_codec::max_field_size + 1, 'x');
    EXPECT_THROW(codec.encode({too_long, "", "", ""}, "a@b.example"), std::invalid_argument);
    const std::string stream_too_long(meta_codec::max_stream_size + 1, 's');
    EXPECT_THROW(codec.encode({"m", "", "", stream_too_long}, "a@b.example"),
                 std::invalid_argument);
    EXPECT_THROW(codec.encode(fields, "not an address"), std::invalid_argument);
    EXPECT_TRUE(codec.decode(codec.encode({}, "a@b.example"), "a@b.example"))
        << "every field may be empty";
}

TEST(Base64, StandardAndUrlSafe)
{
    using namespace encoding;
    EXPECT_EQ(base64_encode("\xfb\xff"), "+/8=");
    EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
    EXPECT_EQ(base64url_decode("-_8"), "\xfb\xff");
    EXPECT_EQ(base64_decode("+/8="), "\xfb\xff");
    EXPECT_FALSE(base64_decode("+/8"));
    EXPECT_FALSE(base64_decode("+/9="));    // stray bits
    EXPECT_FALSE(base64url_decode("+/8"));  // wrong alphabet
    EXPECT_FALSE(base64url_decode("-_8=")); // no padding in the URL-safe form
    EXPECT_EQ(base64url_decode(""), "");
}

} // namespace
} // namespace mailgate::core::attribution
