// "Did you mean" for names in the configuration (core/base/closest_word.hpp): a slip of a known
// name is found, anything further is not guessed at.

#include "core/base/closest_word.hpp"

#include <gtest/gtest.h>

namespace mailgate::core::base {
namespace {

const std::vector<std::string> drivers{"legacy", "mandrill", "sendgrid", "smtp"};

TEST(ClosestWord, FindsTheNameOfATypingSlip)
{
    EXPECT_EQ(closest_word("smpt", drivers), "smtp") << "two letters swapped";
    EXPECT_EQ(closest_word("sendgird", drivers), "sendgrid");
    EXPECT_EQ(closest_word("mandril", drivers), "mandrill") << "a letter missing";
    EXPECT_EQ(closest_word("Legacy", drivers), "legacy") << "case aside";
    EXPECT_EQ(closest_word("pasword", {"password", "username", "port"}), "password");
    EXPECT_EQ(closest_word("atribution", {"attribution", "admin", "storage"}), "attribution");
}

TEST(ClosestWord, GuessesNothingForAnotherWord)
{
    EXPECT_EQ(closest_word("mailgun", drivers), std::nullopt);
    EXPECT_EQ(closest_word("colour", {"password", "username", "port"}), std::nullopt);
    EXPECT_EQ(closest_word("", drivers), std::nullopt);
    EXPECT_EQ(closest_word(std::string(100'000, 's'), drivers), std::nullopt) << "no huge table";
    EXPECT_EQ(closest_word("smtp", {}), std::nullopt);
}

TEST(ClosestWord, SaysItAsAHint)
{
    EXPECT_EQ(did_you_mean("smpt", drivers), " (did you mean 'smtp'?)");
    EXPECT_EQ(did_you_mean("mailgun", drivers), "");
}

} // namespace
} // namespace mailgate::core::base
