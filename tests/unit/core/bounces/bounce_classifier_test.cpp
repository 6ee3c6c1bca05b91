// The classifier's result on small hand-written reports of each kind: what every field holds.

#include "core/bounces/bounce_classifier.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace mailgate::core::bounces {
namespace {

using reasons::reason;

const std::string postfix_dsn =
    "From: MAILER-DAEMON@mx.example.org (Mail Delivery System)\r\n"
    "To: sender@example.com\r\n"
    "Subject: Undelivered Mail Returned to Sender\r\n"
    "Auto-Submitted: auto-replied\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n"
    "--B\r\nContent-Type: text/plain\r\n\r\n"
    "This is the mail system at host mx.example.org.\r\n\r\n"
    "<full@example.net>: host mx.example.net[192.0.2.1] said: 552 5.2.2 Mailbox full\r\n"
    "    (in reply to RCPT TO command)\r\n\r\n"
    "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
    "Reporting-MTA: dns; mx.example.org\r\n\r\n"
    "Final-Recipient: rfc822; full@example.net\r\n"
    "Original-Recipient: rfc822; full@example.net\r\n"
    "Action: failed\r\nStatus: 5.2.2\r\nRemote-MTA: dns; mx.example.net\r\n"
    "Diagnostic-Code: smtp; 552 5.2.2 Mailbox full\r\n\r\n"
    "Final-Recipient: rfc822; gone@example.net\r\n"
    "Action: failed\r\nStatus: 5.1.1\r\n"
    "Diagnostic-Code: smtp; 550 5.1.1 <gone@example.net>: User unknown\r\n\r\n"
    "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
    "Return-Path: <sender@example.com>\r\n"
    "Message-ID: <m1.c1@example.com>\r\n"
    "X-Mailgate-Meta: v1.m1.signature\r\n"
    "From: sender@example.com\r\nTo: full@example.net\r\n\r\n"
    "--B--\r\n";

TEST(BounceClassifier, ReadsEveryRecipientOfADsnWithTheReturnedHeaders)
{
    const auto r = classify_message(postfix_dsn);
    ASSERT_EQ(r.kind, message_kind::bounce);
    EXPECT_EQ(r.format, "rfc3464");
    ASSERT_EQ(r.records.size(), 2u);
    const auto& full = r.records[0];
    EXPECT_EQ(full.recipient, "full@example.net");
    EXPECT_EQ(full.why, reason::mailboxfull);
    EXPECT_FALSE(full.hard);
    EXPECT_EQ(full.smtp_code, 552);
    EXPECT_EQ(full.status, "5.2.2");
    EXPECT_EQ(full.diagnostic, "552 5.2.2 Mailbox full");
    EXPECT_EQ(full.reporting_mta, "mx.example.org");
    EXPECT_EQ(full.remote_mta, "mx.example.net");
    EXPECT_EQ(full.action, "failed");
    const auto& gone = r.records[1];
    EXPECT_EQ(gone.recipient, "gone@example.net");
    EXPECT_EQ(gone.why, reason::userunknown);
    EXPECT_TRUE(gone.hard);
    EXPECT_EQ(r.original.message_id, "m1.c1@example.com");
    EXPECT_EQ(r.original.meta, "v1.m1.signature");
    EXPECT_EQ(r.original.return_path, "sender@example.com");
}

TEST(BounceClassifier, ReadsQmailTextAndTheQuotedOriginal)
{
    const auto r = classify_message("From: MAILER-DAEMON@mx.example.org\n"
                                    "To: sender@example.com\nSubject: failure notice\n\n"
                                    "Hi. This is the qmail-send program at mx.example.org.\n"
                                    "I'm afraid I wasn't able to deliver your message to the "
                                    "following addresses.\n\n"
                                    "<gone@example.net>:\n192.0.2.1 does not like recipient.\n"
                                    "Remote host said: 550 5.1.1 <gone@example.net>... User "
                                    "unknown\nGiving up on 192.0.2.1.\n\n"
                                    "--- Below this line is a copy of the message.\n\n"
                                    "Return-Path: <sender@example.com>\n"
                                    "Message-ID: <m2@example.com>\n"
                                    "X-Mailgate-Meta: v1.m2.sig\n"
                                    "To: gone@example.net\n\nhello\n");
    ASSERT_EQ(r.kind, message_kind::bounce);
    EXPECT_EQ(r.format, "qmail");
    ASSERT_EQ(r.records.size(), 1u);
    EXPECT_EQ(r.records[0].recipient, "gone@example.net");
    EXPECT_EQ(r.records[0].why, reason::userunknown);
    EXPECT_TRUE(r.records[0].hard);
    EXPECT_EQ(r.records[0].smtp_code, 550);
    EXPECT_EQ(r.records[0].status, "5.1.1");
    EXPECT_EQ(r.original.message_id, "m2@example.com");
    EXPECT_EQ(r.original.meta, "v1.m2.sig");
    EXPECT_EQ(r.original.return_path, "sender@example.com");
}

TEST(BounceClassifier, AnArfComplaintIsFeedbackWithItsType)
{
    const auto r = classify_message(
        "From: feedback@isp.example\nSubject: complaint\nMIME-Version: 1.0\n"
        "Content-Type: multipart/report; report-type=feedback-report; boundary=\"F\"\n\n"
        "--F\nContent-Type: text/plain\n\nA complaint.\n\n"
        "--F\nContent-Type: message/feedback-report\n\n"
        "Feedback-Type: abuse\nUser-Agent: isp/1.0\nVersion: 1\n"
        "Original-Rcpt-To: <reader@isp.example>\n\n"
        "--F\nContent-Type: message/rfc822\n\n"
        "Message-ID: <m3@example.com>\nTo: reader@isp.example\n\nhi\n--F--\n");
    ASSERT_EQ(r.kind, message_kind::feedback);
    ASSERT_EQ(r.records.size(), 1u);
    EXPECT_EQ(r.records[0].recipient, "reader@isp.example");
    EXPECT_EQ(r.records[0].why, reason::feedback);
    EXPECT_EQ(r.records[0].feedback_type, "abuse");
    EXPECT_EQ(r.original.message_id, "m3@example.com");
}

TEST(BounceClassifier, ARedactedComplaintNamesNoRecipient)
{
    const auto r = classify_message(
        "From: feedback@isp.example\nMIME-Version: 1.0\n"
        "Content-Type: multipart/report; report-type=feedback-report; boundary=\"F\"\n\n"
        "--F\nContent-Type: message/feedback-report\n\nFeedback-Type: opt-out\n\n"
        "--F\nContent-Type: message/rfc822\n\nTo: redacted@isp.example\n\nhi\n--F--\n");
    ASSERT_EQ(r.kind, message_kind::feedback);
    EXPECT_EQ(r.records.at(0).recipient, "");
    EXPECT_EQ(r.records.at(0).feedback_type, "opt-out");
}

TEST(BounceClassifier, ReadsAnSesNotificationInsideItsSnsEnvelope)
{
    const auto r = classify_message(
        "From: no-reply@sns.amazonaws.com\nSubject: AWS Notification Message\n\n"
        "{\"Type\":\"Notification\",\"Message\":\"{\\\"notificationType\\\":\\\"Bounce\\\","
        "\\\"bounce\\\":{\\\"bounceType\\\":\\\"Permanent\\\",\\\"bouncedRecipients\\\":"
        "[{\\\"emailAddress\\\":\\\"gone@example.net\\\",\\\"action\\\":\\\"failed\\\","
        "\\\"status\\\":\\\"5.1.1\\\",\\\"diagnosticCode\\\":\\\"smtp; 550 5.1.1 user "
        "unknown\\\"}]},\\\"mail\\\":{\\\"messageId\\\":\\\"ses-1\\\",\\\"source\\\":"
        "\\\"sender@example.com\\\"}}\"}\n");
    ASSERT_EQ(r.kind, message_kind::bounce);
    EXPECT_EQ(r.format, "amazonses-json");
    ASSERT_EQ(r.records.size(), 1u);
    EXPECT_EQ(r.records[0].recipient, "gone@example.net");
    EXPECT_EQ(r.records[0].why, reason::userunknown);
    EXPECT_EQ(r.records[0].smtp_code, 550);
    EXPECT_EQ(r.original.message_id, "ses-1");
    EXPECT_EQ(r.original.return_path, "sender@example.com");
}

TEST(BounceClassifier, AMailerDaemonsBounceMarkedAutoRepliedIsStillABounce)
{
    auto raw = postfix_dsn;
    raw.replace(raw.find("message/delivery-status"), 23, "text/x-unknown");
    const auto r = classify_message(raw);
    EXPECT_EQ(r.kind, message_kind::bounce);
    EXPECT_EQ(r.records.at(0).recipient, "full@example.net");
    EXPECT_EQ(r.records.at(0).why, reason::mailboxfull);
}

TEST(BounceClassifier, AnOrdinaryMessageWithAnAttachedMessageIsNotABounce)
{
    const auto r = classify_message(
        "From: ann@example.org\nTo: bob@example.net\nSubject: have a look\nMIME-Version: 1.0\n"
        "Content-Type: multipart/mixed; boundary=\"M\"\n\n--M\nContent-Type: text/plain\n\n"
        "See below; the address carl@example.com is unknown to me.\n"
        "--M\nContent-Type: message/rfc822\n\nFrom: carl@example.com\nSubject: x\n\nhi\n"
        "--M--\n");
    EXPECT_EQ(r.kind, message_kind::not_bounce);
    EXPECT_TRUE(r.records.empty());
}

TEST(BounceClassifier, ClassifiesFromManyThreadsAtOnce)
{
    std::vector<std::thread> threads;
    std::vector<int> bounces(4, 0);
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&bounces, t] {
            for (int i = 0; i < 200; ++i) {
                bounces[t] += classify_message(postfix_dsn).kind == message_kind::bounce ? 1 : 0;
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(bounces, std::vector<int>(4, 200));
}

} // namespace
} // namespace mailgate::core::bounces
