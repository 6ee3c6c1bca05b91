#include "core/plugin/option_spec.hpp"

#include <mailgate/sdk/options.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>

namespace mailgate::core::plugin {
namespace {

using ::testing::HasSubstr;

mg_driver with_options(const mg_option* options, uint32_t count)
{
    mg_driver d{};
    d.options = options;
    d.option_count = count;
    return d;
}

std::string problem_of(const mg_driver& d)
{
    try {
        read_option_table(d);
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    return "";
}

TEST(OptionTable, ReadsEveryField)
{
    constexpr std::array<mg_option, 3> table{
        sdk::option(MG_OPTION_STRING, "host", "where", nullptr, MG_OPTION_REQUIRED),
        sdk::option(MG_OPTION_INT, "port", "which port", "587"),
        sdk::option(MG_OPTION_BOOL, "tls", "encrypt", "yes", MG_OPTION_SECRET),
    };
    auto specs = read_option_table(with_options(table.data(), table.size()));
    ASSERT_EQ(specs.size(), 3u);
    EXPECT_EQ(specs[0].name, "host");
    EXPECT_TRUE(specs[0].required);
    EXPECT_FALSE(specs[0].default_value);
    EXPECT_EQ(specs[1].type, MG_OPTION_INT);
    EXPECT_EQ(specs[1].default_value, "587");
    EXPECT_EQ(specs[1].description, "which port");
    EXPECT_TRUE(specs[2].secret);
    EXPECT_EQ(specs[2].default_value, "true") << "bool defaults are made canonical";
}

TEST(OptionTable, RefusesInsaneTables)
{
    constexpr std::array<mg_option, 2> duplicate{sdk::option(MG_OPTION_STRING, "host", ""),
                                                 sdk::option(MG_OPTION_STRING, "host", "")};
    EXPECT_THAT(problem_of(with_options(duplicate.data(), 2)), HasSubstr("declared twice"));

    constexpr std::array<mg_option, 1> required_default{
        sdk::option(MG_OPTION_STRING, "host", "", "x", MG_OPTION_REQUIRED)};
    EXPECT_THAT(problem_of(with_options(required_default.data(), 1)), HasSubstr("required"));

    constexpr std::array<mg_option, 1> bad_default{sdk::option(MG_OPTION_INT, "port", "", "587x")};
    EXPECT_THAT(problem_of(with_options(bad_default.data(), 1)), HasSubstr("not a int"));

    constexpr std::array<mg_option, 1> bad_type{sdk::option(42, "port", "")};
    EXPECT_THAT(problem_of(with_options(bad_type.data(), 1)), HasSubstr("unknown type"));

    constexpr std::array<mg_option, 1> bad_name{sdk::option(MG_OPTION_STRING, "Host-Name", "")};
    EXPECT_THAT(problem_of(with_options(bad_name.data(), 1)), HasSubstr("name"));

    constexpr std::array<mg_option, 1> bad_flags{
        sdk::option(MG_OPTION_STRING, "x", "", nullptr, 8)};
    EXPECT_THAT(problem_of(with_options(bad_flags.data(), 1)), HasSubstr("flags"));

    EXPECT_THAT(problem_of(with_options(nullptr, 2)), HasSubstr("NULL"));
}

// A driver from a later minor version whose option elements grew: the host steps by the
// element size the driver declares and reads the fields it knows.
TEST(OptionTable, StepsByTheDriversElementSize)
{
    struct grown_option {
        mg_option base;
        const char* added_later;
    };
    std::array<grown_option, 2> table{};
    table[0].base = sdk::option(MG_OPTION_STRING, "first", "one");
    table[1].base = sdk::option(MG_OPTION_INT, "second", "two", "2");
    for (auto& o : table) {
        o.base.struct_size = sizeof(grown_option);
    }
    auto specs = read_option_table(with_options(&table[0].base, 2));
    ASSERT_EQ(specs.size(), 2u);
    EXPECT_EQ(specs[1].name, "second");
    EXPECT_EQ(specs[1].default_value, "2");

    table[1].base.struct_size = sizeof(mg_option);
    EXPECT_THAT(problem_of(with_options(&table[0].base, 2)), HasSubstr("struct_size"));
}

TEST(OptionTable, CanonicalValues)
{
    EXPECT_EQ(canonical_value(MG_OPTION_INT, "-12"), "-12");
    EXPECT_EQ(canonical_value(MG_OPTION_INT, "12abc"), std::nullopt);
    EXPECT_EQ(canonical_value(MG_OPTION_INT, ""), std::nullopt);
    EXPECT_EQ(canonical_value(MG_OPTION_INT, "99999999999999999999"), std::nullopt);
    EXPECT_EQ(canonical_value(MG_OPTION_BOOL, "On"), "true");
    EXPECT_EQ(canonical_value(MG_OPTION_BOOL, "no"), "false");
    EXPECT_EQ(canonical_value(MG_OPTION_BOOL, "maybe"), std::nullopt);
    EXPECT_EQ(canonical_value(MG_OPTION_STRING, "anything at all"), "anything at all");
}

} // namespace
} // namespace mailgate::core::plugin
