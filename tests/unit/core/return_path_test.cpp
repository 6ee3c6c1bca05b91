#include "core/attribution/return_path.hpp"
#include "core/encoding/base32.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

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

// A message id as outbound's time_ordered_token makes them.
const std::string message_id = "018c3f2a9b10"
                               "Zx-_0aB9qrSTuvW1";
const std::vector<std::string> domains{"bounces.example.com", "b.example.org"};

TEST(Base32, EncodesTheRfc4648VectorsInLowerCaseWithoutPadding)
{
    // RFC 4648 §10, padding dropped.
    EXPECT_EQ(encoding::base32_encode(""), "");
    EXPECT_EQ(encoding::base32_encode("f"), "my");
    EXPECT_EQ(encoding::base32_encode("fo"), "mzxq");
    EXPECT_EQ(encoding::base32_encode("foo"), "mzxw6");
    EXPECT_EQ(encoding::base32_encode("foob"), "mzxw6yq");
    EXPECT_EQ(encoding::base32_encode("fooba"), "mzxw6ytb");
    EXPECT_EQ(encoding::base32_encode("foobar"), "mzxw6ytboi");
}

TEST(Base32, DecodesEitherCaseAndRefusesEveryOtherForm)
{
    EXPECT_EQ(encoding::base32_decode("MZXW6YTBOI"), "foobar");
    EXPECT_EQ(encoding::base32_decode("mzxw6ytboi"), "foobar");
    EXPECT_FALSE(encoding::base32_decode("mzxw6ytboi=="));
    EXPECT_FALSE(encoding::base32_decode("mzxw1"));  // 1 is not in the alphabet
    EXPECT_FALSE(encoding::base32_decode("mz"));     // 10 bits, two of them stray
    EXPECT_FALSE(encoding::base32_decode("mzxw6z")); // left-over bits not zero
}

TEST(ReturnPath, NamesTheMessageInAShortLowerCaseLocalPart)
{
    const return_path_codec codec(key_of(1));
    const auto address = codec.encode(message_id, "Bounces.Example.com");
    ASSERT_TRUE(address);
    const std::string local = address->substr(0, address->find('@'));
    EXPECT_LT(local.size(), 64U);
    EXPECT_EQ(local.rfind("b-", 0), 0U);
    EXPECT_EQ(address->substr(address->find('@')), "@bounces.example.com");
    for (const char c : local) {
        EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '2' && c <= '7') || c == '-') << *address;
    }
    EXPECT_EQ(codec.decode(*address, domains), message_id);
}

TEST(ReturnPath, SurvivesARelayThatChangesItsCase)
{
    const return_path_codec codec(key_of(1));
    std::string address = *codec.encode(message_id, "bounces.example.com");
    for (char& c : address) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    EXPECT_EQ(codec.decode(address, domains), message_id);
}

TEST(ReturnPath, RefusesAnotherKeyAnAlteredTokenAndAnotherDomain)
{
    const return_path_codec codec(key_of(1));
    const std::string address = *codec.encode(message_id, "bounces.example.com");
    EXPECT_FALSE(return_path_codec(key_of(2)).decode(address, domains));
    EXPECT_FALSE(codec.decode(address, {"other.example.com"}));
    for (std::size_t i = 2; i < address.find('@'); ++i) {
        std::string altered = address;
        altered[i] = altered[i] == 'a' ? 'b' : 'a';
        EXPECT_FALSE(codec.decode(altered, domains)) << altered;
    }
    EXPECT_FALSE(codec.decode("postmaster@bounces.example.com", domains));
    EXPECT_FALSE(codec.decode("b-@bounces.example.com", domains));
    EXPECT_FALSE(codec.decode("", domains));
    EXPECT_FALSE(codec.decode("@", domains));
}

TEST(ReturnPath, TakesOnlyIdsOfTheGatewaysForm)
{
    const return_path_codec codec(key_of(1));
    EXPECT_FALSE(codec.encode("msg-0001", "bounces.example.com"));
    EXPECT_FALSE(codec.encode("018C3F2A9B10Zx-_0aB9qrSTuvW1", "bounces.example.com"));
    EXPECT_FALSE(codec.encode("018c3f2a9b10Zx-_0aB9qrSTuvW", "bounces.example.com"));
    EXPECT_FALSE(codec.encode("018c3f2a9b1gZx-_0aB9qrSTuvW1", "bounces.example.com"));
    EXPECT_EQ(codec.decode(*codec.encode("000000000000AAAAAAAAAAAAAAAA", "b.example.org"), domains),
              "000000000000AAAAAAAAAAAAAAAA");
}

} // namespace
} // namespace mailgate::core::attribution
