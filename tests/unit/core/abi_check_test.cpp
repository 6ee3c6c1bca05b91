#include "core/plugin/abi_check.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace mailgate::core::plugin {
namespace {

using ::testing::HasSubstr;

mg_status stub_create(mg_host_ctx*, const mg_config*, mg_instance**)
{
    return MG_OK;
}
void stub_destroy(mg_instance*) {}
mg_status stub_parse(const mg_instance*, const mg_http_request*, mg_callback_sink*)
{
    return MG_OK;
}

mg_driver valid_descriptor()
{
    mg_driver d{};
    d.struct_size = sizeof(mg_driver);
    d.abi_major = MG_ABI_VERSION_MAJOR;
    d.abi_minor = MG_ABI_VERSION_MINOR;
    d.id = "esp_one";
    d.version = "1.0.0";
    d.description = "a driver";
    d.capabilities = MG_CAP_CALLBACKS;
    d.create = &stub_create;
    d.destroy = &stub_destroy;
    d.parse_callback = &stub_parse;
    return d;
}

TEST(AbiCheck, AcceptsAValidDescriptor)
{
    EXPECT_EQ(abi_problem(valid_descriptor()), std::nullopt);
}

TEST(AbiCheck, RefusesAnotherMajorNamingBothVersions)
{
    mg_driver d = valid_descriptor();
    d.abi_major = MG_ABI_VERSION_MAJOR + 1;
    auto problem = abi_problem(d);
    ASSERT_TRUE(problem);
    EXPECT_THAT(*problem,
                HasSubstr("built for driver ABI " + std::to_string(MG_ABI_VERSION_MAJOR + 1) + "." +
                          std::to_string(MG_ABI_VERSION_MINOR)));
    EXPECT_THAT(*problem, HasSubstr("majors differ"));
}

TEST(AbiCheck, RefusesANewerMinor)
{
    mg_driver d = valid_descriptor();
    d.abi_minor = MG_ABI_VERSION_MINOR + 1;
    auto problem = abi_problem(d);
    ASSERT_TRUE(problem);
    EXPECT_THAT(*problem, HasSubstr("newer than this host"));
}

TEST(AbiCheck, RefusesADescriptorSmallerThanVersionOneZero)
{
    mg_driver d = valid_descriptor();
    d.struct_size = offsetof(mg_driver, decorate);
    auto problem = abi_problem(d);
    ASSERT_TRUE(problem);
    EXPECT_THAT(*problem, HasSubstr("struct_size"));
}

TEST(AbiCheck, RefusesADescriptorTooSmallForAVersion)
{
    mg_driver d = valid_descriptor();
    d.struct_size = 4;
    EXPECT_TRUE(abi_problem(d));
}

TEST(AbiCheck, RefusesMalformedIds)
{
    for (const char* id :
         {"", "Upper", "9lives", "has-dash", "a_very_long_driver_id_of_33_chars"}) {
        mg_driver d = valid_descriptor();
        d.id = id;
        EXPECT_TRUE(abi_problem(d)) << id;
    }
    mg_driver d = valid_descriptor();
    d.id = nullptr;
    EXPECT_TRUE(abi_problem(d));
}

TEST(AbiCheck, RefusesMissingRequiredFunctions)
{
    mg_driver no_create = valid_descriptor();
    no_create.create = nullptr;
    EXPECT_TRUE(abi_problem(no_create));
    mg_driver no_destroy = valid_descriptor();
    no_destroy.destroy = nullptr;
    EXPECT_TRUE(abi_problem(no_destroy));
}

TEST(AbiCheck, RefusesCapabilitiesThatDisagreeWithFunctions)
{
    mg_driver claims_callbacks = valid_descriptor();
    claims_callbacks.parse_callback = nullptr;
    EXPECT_THAT(abi_problem(claims_callbacks).value_or(""), HasSubstr("callbacks"));

    mg_driver hides_callbacks = valid_descriptor();
    hides_callbacks.capabilities = 0;
    EXPECT_THAT(abi_problem(hides_callbacks).value_or(""), HasSubstr("callbacks"));

    mg_driver claims_decorate = valid_descriptor();
    claims_decorate.capabilities |= MG_CAP_DECORATE;
    EXPECT_THAT(abi_problem(claims_decorate).value_or(""), HasSubstr("decorate"));

    mg_driver unknown_bits = valid_descriptor();
    unknown_bits.capabilities |= 1u << 20;
    EXPECT_TRUE(abi_problem(unknown_bits));
}

} // namespace
} // namespace mailgate::core::plugin
