#include "core/addressing/address.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace mailgate::core::addressing {
namespace {

using ::testing::HasSubstr;

// The reason parse_address gives, or "accepted" when it takes the text.
std::string reason(std::string_view text)
{
    try {
        parse_address(text);
        return "accepted";
    } catch (const address_error& e) {
        return e.what();
    }
}

std::string labels_of_size(std::size_t total)
{
    // Labels of 63 joined by dots, ending in a label of letters so the domain stays valid.
    std::string domain;
    while (domain.size() + 64 < total) {
        domain += std::string(63, 'a') + ".";
    }
    return domain + std::string(total - domain.size(), 'b');
}

TEST(Address, ParsesPlainAddressesAndNormalisesTheDomain)
{
    const address a = parse_address("  User.Name+tag@Example.COM\t");
    EXPECT_EQ(a.local, "User.Name+tag");
    EXPECT_EQ(a.domain, "example.com");
    EXPECT_EQ(a.str(), "User.Name+tag@example.com");
    EXPECT_FALSE(a.needs_smtputf8());

    EXPECT_EQ(parse_address("!#$%&'*+-/=?^_`{|}~@sub.example.org").local, "!#$%&'*+-/=?^_`{|}~");
    EXPECT_EQ(parse_address("a@b-c.d-e.example").domain, "b-c.d-e.example");
    EXPECT_EQ(parse_address("a@123.example").domain, "123.example");
}

TEST(Address, AcceptsQuotedLocalParts)
{
    EXPECT_EQ(parse_address("\"john doe\"@example.com").local, "\"john doe\"");
    EXPECT_EQ(parse_address("\"a@b\"@example.com").local, "\"a@b\"");
    EXPECT_EQ(parse_address("\"say \\\"hi\\\"\"@example.com").local, "\"say \\\"hi\\\"\"");
    EXPECT_EQ(parse_address("\"..\"@example.com").local, "\"..\"");
    EXPECT_EQ(parse_address("\"(a,b)\"@example.com").str(), "\"(a,b)\"@example.com");
}

TEST(Address, RefusesMalformedQuotedLocalParts)
{
    EXPECT_THAT(reason("\"unterminated@example.com"), HasSubstr("no closing '\"'"));
    EXPECT_THAT(reason("\"escaped quote\\\"@example.com"), HasSubstr("no closing '\"'"));
    EXPECT_THAT(reason("\"a\"b@example.com"), HasSubstr("text after its closing"));
    EXPECT_THAT(reason("\"a\".b@example.com"), HasSubstr("text after its closing"));
    EXPECT_THAT(reason("\"\"@example.com"), HasSubstr("local part is empty"));
    EXPECT_THAT(reason("\"\\ü\"@example.com"), HasSubstr("escapes a non-ASCII"));
}

TEST(Address, RefusesDotsOutOfPlaceAndCharactersThatNeedQuoting)
{
    EXPECT_THAT(reason(".user@example.com"), HasSubstr("starts or ends with '.'"));
    EXPECT_THAT(reason("user.@example.com"), HasSubstr("starts or ends with '.'"));
    EXPECT_THAT(reason("us..er@example.com"), HasSubstr("has '..'"));
    EXPECT_THAT(reason("us er@example.com"), HasSubstr("' '"));
    EXPECT_THAT(reason("a@b@example.com"), HasSubstr("'@'"));
    EXPECT_THAT(reason("(comment)user@example.com"), HasSubstr("'('"));
    EXPECT_THAT(reason("user\\x@example.com"), HasSubstr("quoted local part"));
}

TEST(Address, RefusesWhatIsNotABareAddress)
{
    EXPECT_THAT(reason(""), HasSubstr("empty"));
    EXPECT_THAT(reason(" \t "), HasSubstr("empty"));
    EXPECT_THAT(reason("@"), HasSubstr("local part is empty"));
    EXPECT_THAT(reason("@example.com"), HasSubstr("local part is empty"));
    EXPECT_THAT(reason("user@"), HasSubstr("domain is empty"));
    EXPECT_THAT(reason("user.example.com"), HasSubstr("has no '@'"));
    EXPECT_NE(reason("Jane <jane@example.com>"), "accepted");
    EXPECT_NE(reason("<jane@example.com>"), "accepted");
    EXPECT_NE(reason("jane@example.com, joe@example.com"), "accepted");
}

TEST(Address, LocalPartIsAtMost64Octets)
{
    EXPECT_EQ(reason(std::string(64, 'a') + "@example.com"), "accepted");
    EXPECT_EQ(reason(std::string(65, 'a') + "@example.com"),
              "the local part is 65 octets; at most 64");
    // Octets, not characters: 33 two-octet characters are 66.
    std::string umlauts;
    for (int i = 0; i < 33; ++i) {
        umlauts += "ü";
    }
    EXPECT_THAT(reason(umlauts + "@example.com"), HasSubstr("66 octets"));
}

TEST(Address, DomainLabelsAreAtMost63Octets)
{
    EXPECT_EQ(reason("a@" + std::string(63, 'x') + ".example"), "accepted");
    EXPECT_EQ(reason("a@" + std::string(64, 'x') + ".example"),
              "the domain label '" + std::string(64, 'x') + "' is 64 octets; at most 63");
}

TEST(Address, PathIsAtMost254OctetsAndDomainAtMost255)
{
    const std::string local(64, 'l');
    EXPECT_EQ(reason(local + "@" + labels_of_size(189)), "accepted");
    EXPECT_EQ(reason(local + "@" + labels_of_size(190)), "the address is 255 octets; at most 254");
    EXPECT_EQ(reason("a@" + labels_of_size(252)), "accepted");
    EXPECT_EQ(reason("a@" + labels_of_size(253)), "the address is 255 octets; at most 254");
    EXPECT_EQ(reason("a@" + labels_of_size(256)), "the domain is 256 octets; at most 255");
}

TEST(Address, RefusesDomainsThatAreNotLdhLabels)
{
    EXPECT_EQ(reason("user@example..com"), "the domain 'example..com' has an empty label");
    EXPECT_THAT(reason("user@.example.com"), HasSubstr("empty label"));
    EXPECT_THAT(reason("user@example.com."), HasSubstr("empty label"));
    EXPECT_EQ(reason("user@-ex.com"), "the domain label '-ex' starts or ends with '-'");
    EXPECT_THAT(reason("user@ex-.com"), HasSubstr("starts or ends with '-'"));
    EXPECT_EQ(reason("user@ex_ample.com"),
              "the domain label 'ex_ample' has '_'; a label has only letters, digits and '-'");
    EXPECT_THAT(reason("user@exa mple.com"), HasSubstr("' '"));
    EXPECT_THAT(reason("user@localhost"), HasSubstr("at least two"));
    EXPECT_THAT(reason("user@192.0.2.1"), HasSubstr("[192.0.2.1]"));
}

TEST(Address, AcceptsIpLiterals)
{
    EXPECT_EQ(parse_address("user@[192.0.2.1]").domain, "[192.0.2.1]");
    EXPECT_EQ(parse_address("user@[IPv6:2001:db8::1]").domain, "[IPv6:2001:db8::1]");
    EXPECT_EQ(parse_address("user@[ipv6:2001:DB8::1]").domain, "[IPv6:2001:db8::1]");
    EXPECT_EQ(parse_address("user@[IPv6:::ffff:192.0.2.1]").domain, "[IPv6:::ffff:192.0.2.1]");
}

TEST(Address, RefusesMalformedIpLiterals)
{
    for (const char* text :
         {"user@[192.0.2]", "user@[192.0.2.256]", "user@[0192.0.2.1]", "user@[192.0.2.1", "user@[]",
          "user@[", "user@[2001:db8::1]", "user@[IPv6:2001:db8::g]", "user@[IPv6:fe80::1%eth0]",
          "user@[IPv6:192.0.2.1]", "user@[tag:content]", "user@[192.0.2.1]x"}) {
        EXPECT_THAT(reason(text), HasSubstr("address literal")) << text;
    }
}

TEST(Address, ConvertsInternationalisedDomainsToALabels)
{
    EXPECT_EQ(parse_address("user@bücher.example").domain, "xn--bcher-kva.example");
    EXPECT_EQ(parse_address("user@Bücher.Example").domain, "xn--bcher-kva.example");
    EXPECT_EQ(parse_address("user@xn--bcher-kva.example").domain, "xn--bcher-kva.example");
    EXPECT_EQ(parse_address("user@例え.テスト").domain, "xn--r8jz45g.xn--zckzah");
    // NFC input: "u" + combining diaeresis is the same domain as "ü".
    EXPECT_EQ(parse_address("user@bu\xcc\x88"
                            "cher.example")
                  .domain,
              "xn--bcher-kva.example");
    EXPECT_FALSE(parse_address("user@bücher.example").needs_smtputf8());
}

TEST(Address, KeepsUtf8LocalPartsAndSaysTheyNeedSmtputf8)
{
    const address a = parse_address("用户@例え.テスト");
    EXPECT_EQ(a.local, "用户");
    EXPECT_TRUE(a.needs_smtputf8());
    EXPECT_EQ(a.str(), "用户@xn--r8jz45g.xn--zckzah");
    EXPECT_TRUE(parse_address("\"jürgen m\"@example.com").needs_smtputf8());
}

TEST(Address, RefusesDomainsThatIdnaRefuses)
{
    // Invalid punycode, a fraction slash that looks like "/", a right-to-left override, a zero
    // width joiner between Latin letters, Arabic digits in a label with Latin ones.
    for (const char* text :
         {"user@xn--zz.example", "user@a\u2044b.example", "user@\u202eevil.example",
          "user@a\u200db.example", "user@\u0661\u0662\u0663.example"}) {
        EXPECT_THAT(reason(text), HasSubstr("not a valid internationalised domain name")) << text;
    }
}

TEST(Address, MixedScriptDomainsBecomeVisiblyDifferentALabels)
{
    // IDNA2008 does not judge confusables: a Cyrillic "а" in "pаypal" is a valid label, but
    // its A-label shows it is not paypal.com.
    EXPECT_EQ(parse_address("user@p\u0430ypal.com").domain, "xn--pypal-4ve.com");
}

TEST(Address, RefusesControlCharactersAnywhere)
{
    using namespace std::string_literals;
    for (const std::string& text :
         {"user@example.com\r\nBcc: victim@example.org"s, "user\n@example.com"s,
          "us\0er@example.com"s, "user@exam\0ple.com"s, "user@example.com\0"s,
          "\"a\tb\"@example.com"s, "user@example.com\x7f"s}) {
        EXPECT_EQ(reason(text), "the address contains a control character");
    }
}

TEST(Address, RefusesInvalidUtf8)
{
    for (const char* text : {"\xff@example.com", "user@b\xc3.example", "\xc0\xaf@example.com",
                             "\xed\xa0\x80@example.com", "user@\xf4\x90\x80\x80.example"}) {
        EXPECT_EQ(reason(text), "the address is not valid UTF-8");
    }
    EXPECT_THAT(reason("user\xef\xbc\xa0"
                       "example.com"),
                HasSubstr("has no '@'")); // fullwidth @
}

TEST(Address, RefusesHugeInputQuickly)
{
    const std::string huge(10 * 1024, 'a');
    EXPECT_EQ(reason(huge + "@example.com"), "the address is 10252 octets; at most 254");
    EXPECT_THAT(reason("user@" + huge + ".com"), HasSubstr("at most 254"));
    EXPECT_THAT(reason(std::string(10 * 1024, '@')), HasSubstr("at most 254"));
    EXPECT_THAT(reason("user@" + labels_of_size(900)), HasSubstr("domain is 900 octets"));
}

} // namespace
} // namespace mailgate::core::addressing
