#include "core/attribution/meta_token.hpp"
#include "core/attribution/unsubscribe_token.hpp"

#include <gtest/gtest.h>

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

const unsubscribe_target target{"User@Example.com", "spring-sale", "smtp-main"};

TEST(UnsubscribeToken, RoundTripsNormalisedAndIsShortAndUrlSafe)
{
    unsubscribe_codec codec(key_of(1));
    const std::string token = codec.encode(target);
    auto decoded = codec.decode(token);
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded->email, "user@example.com");
    EXPECT_EQ(decoded->campaign_id, "spring-sale");
    EXPECT_EQ(decoded->provider, "smtp-main");
    EXPECT_EQ(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                      "0123456789-_."),
              std::string::npos)
        << token;
    EXPECT_LT(token.size(), 100u) << "a typical link stays short";

    // The longest address: 64 octets of local part, a 189-octet domain of labels of at most 63.
    const std::string domain =
        std::string(63, 'b') + "." + std::string(63, 'b') + "." + std::string(61, 'b');
    const unsubscribe_target longest{std::string(64, 'a') + "@" + domain, std::string(40, 'c'),
                                     std::string(64, 'd')};
    const std::string big = codec.encode(longest);
    EXPECT_LE(big.size(), unsubscribe_codec::max_token_size);
    EXPECT_TRUE(codec.decode(big));
}

TEST(UnsubscribeToken, EmptyCampaignRoundTrips)
{
    unsubscribe_codec codec(key_of(1));
    auto decoded = codec.decode(codec.encode({"a@b.example", "", "p"}));
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded->campaign_id, "");
}

TEST(UnsubscribeToken, RefusesEveryAlteredCharacter)
{
    unsubscribe_codec codec(key_of(1));
    const std::string token = codec.encode(target);
    for (std::size_t i = 0; i < token.size(); ++i) {
        std::string altered = token;
        altered[i] = altered[i] == 'A' ? 'B' : 'A';
        EXPECT_FALSE(codec.decode(altered)) << "altered at " << i;
    }
}

TEST(UnsubscribeToken, RefusesAnotherKey)
{
    const std::string token = unsubscribe_codec(key_of(1)).encode(target);
    EXPECT_FALSE(unsubscribe_codec(key_of(2)).decode(token));
}

TEST(UnsubscribeToken, MetaTokensAndUnsubscribeTokensDoNotStandInForEachOther)
{
    meta_codec meta(key_of(1));
    unsubscribe_codec unsubscribe(key_of(1));
    const std::string meta_token =
        meta.encode({"msg-1", "spring-sale", "p", ""}, "user@example.com");
    EXPECT_FALSE(unsubscribe.decode(meta_token));
    // The same bytes under the other prefix: only the key tells them apart.
    EXPECT_FALSE(unsubscribe.decode("u1" + meta_token.substr(2)));

    const std::string unsubscribe_token = unsubscribe.encode(target);
    EXPECT_FALSE(meta.decode(unsubscribe_token, "user@example.com"));
    EXPECT_FALSE(meta.decode("m1" + unsubscribe_token.substr(2), "user@example.com"));
}

TEST(UnsubscribeToken, RefusesTruncatedOversizedAndJunk)
{
    unsubscribe_codec codec(key_of(1));
    const std::string token = codec.encode(target);
    for (std::size_t n = 0; n < token.size(); ++n) {
        EXPECT_FALSE(codec.decode(token.substr(0, n))) << "truncated to " << n;
    }
    EXPECT_FALSE(codec.decode(token + "A"));
    EXPECT_FALSE(codec.decode(token + std::string(100000, 'A')));
    EXPECT_FALSE(codec.decode(std::string(unsubscribe_codec::max_token_size + 1, 'u')));
    for (const char* junk : {"", "u1", "u1.", "x1abc.def", "u1!!!.???", "u1AAAA.AAAA", "u1.AAAA",
                             "u1AAAA..AAAA", "u1%41.AA"}) {
        EXPECT_FALSE(codec.decode(junk)) << junk;
    }
}

TEST(UnsubscribeToken, RefusesWhatWouldNotFit)
{
    unsubscribe_codec codec(key_of(1));
    EXPECT_THROW(codec.encode({"not an address", "c", "p"}), std::invalid_argument);
    EXPECT_THROW(codec.encode({"a@b.example", std::string(41, 'c'), "p"}), std::invalid_argument);
    EXPECT_THROW(codec.encode({"a@b.example", "c", std::string(65, 'p')}), std::invalid_argument);
    EXPECT_THROW(codec.encode({std::string(250, 'a') + "@b.example", "c", "p"}),
                 std::invalid_argument);
}

// Found by fuzz_tokens: U+0149 folds to two characters (3 octets from 2), so 32 of them make a
// 64-octet local part whose canonical form has 96, not an address itself. The link was minted
// and never decoded.
TEST(UnsubscribeToken, AnAddressWhoseCanonicalFormIsLongerRoundTrips)
{
    unsubscribe_codec codec(key_of(1));
    std::string local;
    for (int i = 0; i < 32; ++i) {
        local += "\u0149";
    }
    const std::string folded = [] {
        std::string out;
        for (int i = 0; i < 32; ++i) {
            out += "\u02bcn";
        }
        return out;
    }();
    const auto decoded = codec.decode(codec.encode({local + "@example.com", "c", "p"}));
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded->email, folded + "@example.com");
    EXPECT_EQ(decoded->campaign_id, "c");
    EXPECT_EQ(decoded->provider, "p");
}

} // namespace
} // namespace mailgate::core::attribution
