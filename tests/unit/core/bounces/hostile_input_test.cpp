// Hostile and broken input: a clear result or "not a bounce", never a crash, an exception or
// unbounded work.

#include "core/bounces/bounce_classifier.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace mailgate::core::bounces {
namespace {

// A small DSN every hostile variant below starts from or wraps.
const std::string dsn_head = "From: MAILER-DAEMON@mx.example.org\n"
                             "To: sender@example.com\n"
                             "Subject: Undelivered Mail Returned to Sender\n"
                             "MIME-Version: 1.0\n"
                             "Content-Type: multipart/report; report-type=delivery-status; "
                             "boundary=\"b1\"\n\n";
const std::string dsn_parts =
    "--b1\nContent-Type: text/plain\n\nThe mail system\n\n"
    "--b1\nContent-Type: message/delivery-status\n\n"
    "Reporting-MTA: dns; mx.example.org\n\n"
    "Final-Recipient: rfc822; gone@example.net\n"
    "Action: failed\nStatus: 5.1.1\n"
    "Diagnostic-Code: smtp; 550 5.1.1 <gone@example.net>: User unknown\n\n";

bounce_result timed(const std::string& raw)
{
    const auto start = std::chrono::steady_clock::now();
    auto r = classify_message(raw);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
    return r;
}

TEST(BounceHostileInput, AWellFormedDsnIsReadAsTheBaseline)
{
    const auto r = timed(dsn_head + dsn_parts + "--b1--\n");
    ASSERT_EQ(r.kind, message_kind::bounce);
    ASSERT_EQ(r.records.size(), 1u);
    EXPECT_EQ(r.records[0].recipient, "gone@example.net");
    EXPECT_EQ(r.records[0].why, reasons::reason::userunknown);
    EXPECT_TRUE(r.records[0].hard);
}

TEST(BounceHostileInput, TruncatedMimeStillGivesTheRecordsBeforeTheCut)
{
    const auto whole = dsn_head + dsn_parts;
    const auto r = timed(whole.substr(0, whole.size() - 10));
    EXPECT_EQ(r.kind, message_kind::bounce);
    for (std::size_t cut = 0; cut < whole.size(); cut += 7) {
        const auto partial = classify_message(whole.substr(0, cut));
        EXPECT_LE(partial.records.size(), 1u);
    }
}

TEST(BounceHostileInput, ATenMegabyteAttachmentIsCutAtTheInputBound)
{
    std::string big = dsn_head + dsn_parts +
                      "--b1\nContent-Type: application/octet-stream\n"
                      "Content-Transfer-Encoding: base64\n\n";
    big.append(10 * 1024 * 1024, 'A');
    big += "\n--b1--\n";
    const auto r = timed(big);
    EXPECT_EQ(r.kind, message_kind::bounce);
}

TEST(BounceHostileInput, TenThousandPartsAreBounded)
{
    std::string many = dsn_head + dsn_parts;
    for (int i = 0; i < 10000; ++i) {
        many += "--b1\nContent-Type: text/plain\n\nx\n";
    }
    many += "--b1--\n";
    const auto r = timed(many);
    EXPECT_EQ(r.kind, message_kind::bounce);
}

TEST(BounceHostileInput, MessagesNestedFiftyDeepAreBounded)
{
    std::string nested = "Subject: hello\nContent-Type: message/rfc822\n\n";
    for (int i = 0; i < 50; ++i) {
        nested += "Subject: level " + std::to_string(i) + "\nContent-Type: message/rfc822\n\n";
    }
    nested += "Subject: bottom\n\nbody\n";
    EXPECT_EQ(timed(nested).kind, message_kind::not_bounce);
    EXPECT_EQ(timed(dsn_head + dsn_parts + "--b1\nContent-Type: message/rfc822\n\n" + nested).kind,
              message_kind::bounce);
}

TEST(BounceHostileInput, MultipartsNestedThousandsDeepAreBounded)
{
    std::string deep = "Subject: x\n";
    for (int i = 0; i < 5000; ++i) {
        deep += "Content-Type: multipart/mixed; boundary=\"n" + std::to_string(i) + "\"\n\n--n" +
                std::to_string(i) + "\n";
    }
    EXPECT_NO_FATAL_FAILURE(timed(deep));
}

TEST(BounceHostileInput, InvalidCharsetsAndNulBytesAreRead)
{
    std::string raw = "From: MAILER-DAEMON@mx.example.org\nSubject: =?x-no-such?B?////?=\n"
                      "Content-Type: text/plain; charset=x-no-such-charset\n\n"
                      "Hi. This is the qmail-send program at mx.example.org.\n\n"
                      "<gone@example.net>:\nRemote host said: 550 5.1.1 no such user\n";
    raw.insert(raw.find("Remote"), std::string("\0\xff\xfe", 3));
    const auto r = timed(raw);
    ASSERT_EQ(r.kind, message_kind::bounce);
    EXPECT_EQ(r.records.at(0).recipient, "gone@example.net");
    EXPECT_EQ(r.records.at(0).why, reasons::reason::userunknown);
}

TEST(BounceHostileInput, EmptyInputAndHeadersOnlyAreNotBounces)
{
    EXPECT_EQ(timed("").kind, message_kind::not_bounce);
    EXPECT_EQ(timed("\n\n\r\r").kind, message_kind::not_bounce);
    EXPECT_EQ(timed("Subject: hello\nFrom: a@example.com\n").kind, message_kind::not_bounce);
    EXPECT_EQ(timed(std::string(1000, '\0')).kind, message_kind::not_bounce);
}

TEST(BounceHostileInput, AnAutoReplyIsNotABounce)
{
    const auto r = timed("From: Ann <ann@example.org>\nSubject: Automatic reply: hello\n"
                         "Auto-Submitted: auto-replied\n\nI am away until Monday.\n");
    EXPECT_EQ(r.kind, message_kind::auto_reply);
    ASSERT_EQ(r.records.size(), 1u);
    EXPECT_EQ(r.records[0].recipient, "ann@example.org");
}

TEST(BounceHostileInput, ADeliveredDsnIsNotABounce)
{
    auto raw = dsn_head + dsn_parts + "--b1--\n";
    raw.replace(raw.find("Action: failed"), 14, "Action: delivered");
    raw.replace(raw.find("Status: 5.1.1"), 13, "Status: 2.0.0");
    EXPECT_EQ(timed(raw).kind, message_kind::delivered);
}

TEST(BounceHostileInput, ManyRecipientsAreCapped)
{
    std::string raw = dsn_head + "--b1\nContent-Type: message/delivery-status\n\n"
                                 "Reporting-MTA: dns; mx.example.org\n\n";
    for (int i = 0; i < 5000; ++i) {
        raw += "Final-Recipient: rfc822; u" + std::to_string(i) +
               "@example.net\nAction: failed\nStatus: 5.1.1\n\n";
    }
    const auto r = timed(raw + "--b1--\n");
    EXPECT_EQ(r.kind, message_kind::bounce);
    EXPECT_EQ(r.records.size(), max_records);
}

} // namespace
} // namespace mailgate::core::bounces
