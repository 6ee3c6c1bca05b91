#include "core/outbound/smtp/failure_class.hpp"
#include "core/outbound/smtp/send_outcome.hpp"

#include <gtest/gtest.h>

namespace mailgate::core::outbound::smtp {
namespace {

smtp_reply reply(int code, std::string enhanced, std::string text = "text")
{
    smtp_reply r;
    r.code = code;
    r.enhanced = std::move(enhanced);
    r.lines = {std::move(text)};
    return r;
}

bool is(reply_failure got, failure_class failure, bool permanent)
{
    return got.failure == failure && got.permanent == permanent;
}

TEST(failure_class, bad_mailbox_is_an_invalid_address_at_any_phase)
{
    EXPECT_TRUE(is(classify(reply(550, "5.1.1"), "rcpt"), failure_class::invalid_address, true));
    EXPECT_TRUE(
        is(classify(reply(554, "5.1.0"), "data_end"), failure_class::invalid_address, true));
}

TEST(failure_class, address_syntax_codes_at_mail_and_rcpt)
{
    EXPECT_TRUE(is(classify(reply(501, ""), "mail"), failure_class::invalid_address, true));
    EXPECT_TRUE(is(classify(reply(553, ""), "rcpt"), failure_class::invalid_address, true));
    // Elsewhere, or with an enhanced code of another subject, they are not about the address.
    EXPECT_TRUE(is(classify(reply(501, ""), "ehlo"), failure_class::dispatch_failed, true));
    EXPECT_TRUE(is(classify(reply(553, "5.7.1"), "mail"), failure_class::dispatch_failed, true));
    EXPECT_TRUE(is(classify(reply(501, "5.5.4"), "mail"), failure_class::dispatch_failed, true));
}

TEST(failure_class, other_refusals)
{
    EXPECT_TRUE(is(classify(reply(535, "5.7.8"), "auth"), failure_class::dispatch_failed, true));
    EXPECT_TRUE(is(classify(reply(554, ""), "greeting"), failure_class::dispatch_failed, true));
    EXPECT_TRUE(is(classify(reply(450, "4.1.1"), "rcpt"), failure_class::dispatch_failed, false));
    EXPECT_TRUE(is(classify(reply(421, ""), "mail"), failure_class::dispatch_failed, false));
    // A positive reply where another was due: not the message's fault, worth another try.
    EXPECT_TRUE(is(classify(reply(250, ""), "data"), failure_class::dispatch_failed, false));
}

TEST(failure_class, descriptions_and_hints)
{
    EXPECT_EQ(describe(failure_class::invalid_address), "SMTP invalid email ID");
    EXPECT_EQ(describe(failure_class::dispatch_failed), "SMTP dispatching failed");
    EXPECT_EQ(describe(failure_class::connection_error), "SMTP connection error");
    EXPECT_EQ(describe(failure_class::timeout), "SMTP timeout");
    EXPECT_NE(hint(failure_class::connection_error).find("firewall"), std::string_view::npos);
    EXPECT_NE(hint(failure_class::dispatch_failed).find("app password"), std::string_view::npos);
    EXPECT_NE(hint(failure_class::invalid_address).find("address"), std::string_view::npos);
    EXPECT_NE(hint(failure_class::timeout).find("port"), std::string_view::npos);
}

TEST(provider_message_id, after_queued_as)
{
    EXPECT_EQ(provider_message_id(reply(250, "2.0.0", "Ok: queued as 4Xy7Zk1")), "4Xy7Zk1");
    EXPECT_EQ(provider_message_id(reply(250, "", "Ok: Queued As abc-123 thanks")), "abc-123");
}

TEST(provider_message_id, else_the_text_after_the_enhanced_code)
{
    EXPECT_EQ(provider_message_id(reply(250, "2.0.0", "OK  1700000000 a1-2002gsmtp")),
              "OK  1700000000 a1-2002gsmtp");
    EXPECT_EQ(provider_message_id(reply(250, "", "")), "");
}

} // namespace
} // namespace mailgate::core::outbound::smtp
