#include "core/addressing/address.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace mailgate::core::addressing {
namespace {

struct written_form {
    const char* text;
    std::optional<std::string> canonical;
};

// Every written form of one mailbox gives one key; what is not an address gives none.
const written_form forms[] = {
    {"ann@example.com", "ann@example.com"},
    {"  Ann@Example.COM\t", "ann@example.com"},
    // The domain: U-label or A-label, any case.
    {"zoe@bücher.example", "zoe@xn--bcher-kva.example"},
    {"zoe@BÜCHER.example", "zoe@xn--bcher-kva.example"},
    {"zoe@xn--bcher-kva.example", "zoe@xn--bcher-kva.example"},
    {"zoe@XN--BCHER-KVA.EXAMPLE", "zoe@xn--bcher-kva.example"},
    {"zoe@bu\xcc\x88"
     "cher.example",
     "zoe@xn--bcher-kva.example"},
    // Quoted local parts: unquoted when the content is a dot-atom.
    {"\"ann\"@example.com", "ann@example.com"},
    {"\"Ann.Lee\"@example.com", "ann.lee@example.com"},
    {"\"a\\nn\"@example.com", "ann@example.com"},
    {"\"john smith\"@example.com", "\"john smith\"@example.com"},
    {"\"John Smith\"@example.com", "\"john smith\"@example.com"},
    {"\"john\\ smith\"@example.com", "\"john smith\"@example.com"},
    {"\"a..b\"@example.com", "\"a..b\"@example.com"},
    {"\".ann\"@example.com", "\".ann\"@example.com"},
    {"\"a@b\"@example.com", "\"a@b\"@example.com"},
    {"\"say \\\"hi\\\"\"@example.com", "\"say \\\"hi\\\"\"@example.com"},
    {"\"back\\\\slash\"@example.com", "\"back\\\\slash\"@example.com"},
    // Case: ASCII, and non-ASCII through Unicode case folding and NFC.
    {"ÉLODIE@example.com", "élodie@example.com"},
    {"E\xcc\x81lodie@example.com", "élodie@example.com"},
    {"ΣΟΦΙΑ@example.com", "σοφια@example.com"},
    {"\"ÉLODIE\"@example.com", "élodie@example.com"},
    {"STRASSE@example.com", "strasse@example.com"},
    {"straße@example.com", "strasse@example.com"},
    {"用户@例え.テスト", "用户@xn--r8jz45g.xn--zckzah"},
    // No provider-specific folding: dots and +tags stay.
    {"a.n.n+news@example.com", "a.n.n+news@example.com"},
    // Address literals: the address as inet_ntop writes it.
    {"ops@[192.0.2.1]", "ops@[192.0.2.1]"},
    {"ops@[IPv6:2001:DB8:0:0::1]", "ops@[IPv6:2001:db8::1]"},
    {"ops@[ipv6:2001:db8::1]", "ops@[IPv6:2001:db8::1]"},
    // Not addresses.
    {"", std::nullopt},
    {"ann", std::nullopt},
    {"ann@", std::nullopt},
    {"@example.com", std::nullopt},
    {"ann@localhost", std::nullopt},
    {"a..b@example.com", std::nullopt},
    {"john smith@example.com", std::nullopt},
    {"\"unterminated@example.com", std::nullopt},
    {"ann@exa mple.com", std::nullopt},
    {"ann@example.com\r\nRCPT TO:<x@y.example>", std::nullopt},
    {"ann\xff@example.com", std::nullopt},
    {"ops@[300.1.2.3]", std::nullopt},
};

class CanonicalEmail : public ::testing::TestWithParam<written_form> {};

TEST_P(CanonicalEmail, GivesOneKeyPerMailbox)
{
    EXPECT_EQ(canonical_email(GetParam().text), GetParam().canonical) << GetParam().text;
}

INSTANTIATE_TEST_SUITE_P(Forms, CanonicalEmail, ::testing::ValuesIn(forms));

TEST(CanonicalEmailOfAnAddress, IsItsOwnFixedPoint)
{
    for (const auto& form : forms) {
        if (form.canonical) {
            EXPECT_EQ(canonical_email(*form.canonical), form.canonical) << form.text;
        }
    }
}

TEST(CanonicalEmailOfAnAddress, KeepsTheWireFormAsGiven)
{
    const address a = parse_address("\"Ann\"@Bücher.example");
    EXPECT_EQ(a.str(), "\"Ann\"@xn--bcher-kva.example") << "RCPT TO keeps the local part";
    EXPECT_EQ(canonical_email(a), "ann@xn--bcher-kva.example");
}

} // namespace
} // namespace mailgate::core::addressing
