#include "core/outbound/smtp/smtp_capabilities.hpp"

#include <gtest/gtest.h>

namespace mailgate::core::outbound::smtp {
namespace {

smtp_capabilities parse(std::vector<std::string> lines)
{
    smtp_reply reply;
    reply.code = 250;
    reply.lines = std::move(lines);
    return smtp_capabilities::from_ehlo(reply);
}

TEST(smtp_capabilities, keywords_after_the_greeting_line)
{
    const auto caps =
        parse({"mx.example.com Hello", "PIPELINING", "8BITMIME", "size 35882577", "STARTTLS"});
    EXPECT_TRUE(caps.has("PIPELINING"));
    EXPECT_TRUE(caps.has("8bitmime"));
    EXPECT_TRUE(caps.has("STARTTLS"));
    EXPECT_FALSE(caps.has("SMTPUTF8"));
    EXPECT_FALSE(caps.has("mx.example.com"));
    EXPECT_EQ(caps.size_limit(), 35882577u);
}

TEST(smtp_capabilities, auth_mechanisms_in_both_syntaxes)
{
    const auto modern = parse({"hi", "AUTH LOGIN  PLAIN XOAUTH2"});
    EXPECT_TRUE(modern.offers_auth("PLAIN"));
    EXPECT_TRUE(modern.offers_auth("login"));
    EXPECT_FALSE(modern.offers_auth("CRAM-MD5"));
    const auto old = parse({"hi", "AUTH=LOGIN"});
    EXPECT_TRUE(old.offers_auth("LOGIN"));
    EXPECT_FALSE(old.offers_auth("PLAIN"));
}

TEST(smtp_capabilities, no_size_limit_when_absent_zero_or_not_a_number)
{
    EXPECT_FALSE(parse({"hi", "SIZE"}).size_limit());
    EXPECT_FALSE(parse({"hi", "SIZE 0"}).size_limit());
    EXPECT_FALSE(parse({"hi", "SIZE lots"}).size_limit());
    EXPECT_FALSE(parse({"hi", "SIZE 99999999999999999999999"}).size_limit());
    EXPECT_FALSE(parse({"hi"}).size_limit());
    EXPECT_TRUE(parse({"hi", "SIZE"}).has("SIZE"));
}

TEST(smtp_capabilities, helo_only_server_offers_nothing)
{
    const smtp_capabilities none;
    EXPECT_FALSE(none.has("PIPELINING"));
    EXPECT_FALSE(none.offers_auth("PLAIN"));
    EXPECT_FALSE(parse({"just a greeting"}).has("just"));
}

} // namespace
} // namespace mailgate::core::outbound::smtp
