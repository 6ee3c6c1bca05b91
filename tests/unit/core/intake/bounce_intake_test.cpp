// Bounce mail from a way in to stored events, against a real SQLite store: attribution by each
// kind of evidence, suppression only when attributed, idempotence, and what is not a bounce.

#include "core/base/clock.hpp"
#include "core/intake/bounce_events.hpp"
#include "core/intake/bounce_intake.hpp"

#include "core/attribution/meta_token.hpp"
#include "core/attribution/return_path.hpp"
#include "core/storage/sqlite_store.hpp"
#include "core/workers/blocking_pool.hpp"
#include "test_support.hpp"
#include "tests/support/bounce_mail.hpp"

#include <gtest/gtest.h>

#include <future>

namespace mailgate::core::intake {
namespace {

using storage::test::all_events;
using storage::test::temp_folder;

std::array<unsigned char, 32> key_of(unsigned char seed)
{
    std::array<unsigned char, 32> key{};
    key.fill(seed);
    return key;
}

const std::string message_id = "018c3f2a9b10Zx-_0aB9qrSTuvW1";
const std::string recipient = "Jane.Doe@Example.net";

std::string dsn(const std::string& final_recipient, const std::string& returned_headers,
                const std::string& action = "failed", const std::string& status = "5.1.1",
                const std::string& diagnostic = testing::dsn_fields().diagnostic)
{
    return testing::postfix_dsn({final_recipient, action, status, diagnostic, returned_headers});
}

std::string returned(const std::string& extra = "")
{
    return "From: news@shop.example.com\r\nTo: " + recipient + "\r\nSubject: Spring sale\r\n" +
           extra;
}

class BounceIntake : public ::testing::Test {
protected:
    void SetUp() override
    {
        store_ = storage::open_sqlite_store({dir_.path() / "mailgate.db"});
        storage::queued_message m;
        m.id = message_id;
        m.provider = "postal";
        m.campaign_id = "spring";
        m.mail_from = "news@shop.example.com";
        m.recipient = recipient;
        m.head = "Subject: x\r\n\r\nbody";
        m.created_at = storage::test::base_time;
        std::promise<std::error_code> done;
        store_->enqueue({m}, [&done](std::error_code ec) { done.set_value(ec); });
        ASSERT_FALSE(done.get_future().get());
    }

    bounce_intake intake(bool suppress_unattributed = false)
    {
        return bounce_intake(
            *store_, pool_,
            {{&meta_, &return_path_, {"bounces.example.com"}}, suppress_unattributed, {}});
    }

    std::string verp(const attribution::return_path_codec& codec) const
    {
        return *codec.encode(message_id, "bounces.example.com");
    }

    bool suppressed(const std::string& email)
    {
        return store_->find_suppression(email, "marketing", base::unix_ms_now()).has_value();
    }

    temp_folder dir_;
    std::unique_ptr<storage::store> store_;
    workers::blocking_pool pool_{{2, 16, std::chrono::seconds(10)}};
    attribution::meta_codec meta_{key_of(7)};
    attribution::return_path_codec return_path_{key_of(7)};
};

TEST_F(BounceIntake, ADsnToASignedReturnPathSuppressesTheRecipientOfThatMessage)
{
    auto in = intake();
    // The report names the address the mail was forwarded to; the message went to Jane.
    const auto report =
        in.process(dsn("jd@forward.example.org", returned()), verp(return_path_), "smtp");
    EXPECT_EQ(report.attributed.method, attribution_method::return_path);
    ASSERT_EQ(report.events.size(), 1u);
    EXPECT_EQ(report.stored.stored, 1u);
    const auto stored = all_events(*store_);
    ASSERT_EQ(stored.size(), 1u);
    const auto& ev = stored[0].ev;
    EXPECT_EQ(ev.kind, events::event_kind::hard_bounce);
    EXPECT_EQ(ev.email, "jane.doe@example.net");
    EXPECT_EQ(ev.provider, "postal");
    EXPECT_EQ(ev.attributed.message_id, message_id);
    EXPECT_EQ(ev.attributed.campaign_id, "spring");
    EXPECT_EQ(ev.reason, reasons::reason::userunknown);
    EXPECT_EQ(ev.smtp_code, 550);
    EXPECT_EQ(ev.status, "5.1.1");
    EXPECT_NE(ev.detail_json.find("\"final_recipient\":\"jd@forward.example.org\""),
              std::string::npos)
        << ev.detail_json;
    EXPECT_TRUE(suppressed("jane.doe@example.net"));
}

TEST_F(BounceIntake, TheSameBounceTwiceStoresNothingTheSecondTime)
{
    auto in = intake();
    const std::string raw = dsn(recipient, returned());
    EXPECT_EQ(in.process(raw, verp(return_path_), "smtp").stored.stored, 1u);
    // Another copy, as a mailbox behind the bounce domain keeps it: the return path in a trace
    // field added at the top, no envelope.
    const auto again = in.process(
        "Delivered-To: " + verp(return_path_) + "\r\nReceived: by mx\r\n" + raw, "", "imap:x");
    EXPECT_EQ(again.attributed.method, attribution_method::return_path);
    EXPECT_EQ(again.stored.stored, 0u);
    EXPECT_EQ(again.stored.duplicates, 1u);
    EXPECT_EQ(all_events(*store_).size(), 1u);
}

TEST_F(BounceIntake, AReturnPathSignedWithAnotherKeyIsUnattributedAndSuppressesNobody)
{
    auto in = intake();
    const attribution::return_path_codec forger(key_of(9));
    const auto report = in.process(dsn(recipient, returned()), verp(forger), "smtp");
    EXPECT_EQ(report.attributed.method, attribution_method::none);
    ASSERT_EQ(report.stored.stored, 1u) << "stored with its reason";
    const auto stored = all_events(*store_);
    EXPECT_EQ(stored[0].ev.provider, unattributed_provider);
    EXPECT_EQ(stored[0].ev.reason, reasons::reason::userunknown);
    EXPECT_TRUE(stored[0].ev.attributed.message_id.empty());
    EXPECT_FALSE(suppressed("jane.doe@example.net"));
}

TEST_F(BounceIntake, UnattributedBouncesSuppressOnlyWhenTheOperatorSaysSo)
{
    auto in = intake(true);
    in.process(dsn("someone@example.org", returned()), "", "api");
    EXPECT_TRUE(suppressed("someone@example.org"));
}

TEST_F(BounceIntake, TheSignedMetaHeaderInTheReturnedHeadersAttributes)
{
    auto in = intake();
    const std::string token = meta_.encode({message_id, "spring", "p-42", ""}, recipient);
    const auto report =
        in.process(dsn(recipient, returned("X-Mailgate-Meta: " + token + "\r\n")), "", "imap:x");
    EXPECT_EQ(report.attributed.method, attribution_method::meta_header);
    ASSERT_EQ(report.events.size(), 1u);
    EXPECT_EQ(report.events[0].ev.attributed.profile, "p-42");
    EXPECT_TRUE(suppressed("jane.doe@example.net"));
}

TEST_F(BounceIntake, TheReturnedMessageIdFoundInTheQueueAttributes)
{
    auto in = intake();
    const auto report = in.process(
        dsn(recipient, returned("Message-ID: <" + message_id + "@shop.example.com>\r\n")), "",
        "imap:x");
    EXPECT_EQ(report.attributed.method, attribution_method::message_id);
    EXPECT_EQ(report.attributed.fields.campaign_id, "spring");
    EXPECT_TRUE(suppressed("jane.doe@example.net"));

    auto other = in.process(
        dsn("x@example.org", returned("Message-ID: <nope@shop.example.com>\r\n")), "", "imap:x");
    EXPECT_EQ(other.attributed.method, attribution_method::none);
}

TEST_F(BounceIntake, ADelayIsADeferralAndSuppressesNobody)
{
    auto in = intake();
    const auto report =
        in.process(dsn(recipient, returned(), "delayed", "4.4.7", "Connection timed out"),
                   verp(return_path_), "smtp");
    ASSERT_EQ(report.events.size(), 1u);
    EXPECT_EQ(report.events[0].ev.kind, events::event_kind::deferred);
    EXPECT_FALSE(suppressed("jane.doe@example.net"));
}

TEST_F(BounceIntake, AnAutoReplyIsNotABounceAndStoresNothing)
{
    auto in = intake();
    const std::string vacation = "From: Jane <jane.doe@example.net>\r\n"
                                 "To: news@shop.example.com\r\n"
                                 "Subject: Out of office\r\n"
                                 "Auto-Submitted: auto-replied\r\n"
                                 "\r\n"
                                 "I am away until Monday.\r\n";
    const auto report = in.process(vacation, verp(return_path_), "smtp");
    EXPECT_EQ(report.bounce.kind, bounces::message_kind::auto_reply);
    EXPECT_TRUE(report.events.empty());
    EXPECT_TRUE(all_events(*store_).empty());
}

TEST_F(BounceIntake, AnAbuseComplaintIsSpamAndSuppressesTheComplainer)
{
    auto in = intake();
    const std::string arf =
        "From: feedback@mailbox.example\r\n"
        "To: b-x@bounces.example.com\r\n"
        "Subject: complaint\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/report; report-type=feedback-report; boundary=\"F\"\r\n"
        "\r\n"
        "--F\r\nContent-Type: text/plain\r\n\r\nThis is an email abuse report.\r\n"
        "--F\r\nContent-Type: message/feedback-report\r\n\r\n"
        "Feedback-Type: abuse\r\nUser-Agent: Mailbox/1.0\r\nVersion: 1\r\n"
        "Original-Rcpt-To: <" +
        recipient +
        ">\r\n\r\n"
        "--F\r\nContent-Type: message/rfc822\r\n\r\n" +
        returned() + "Message-ID: <" + message_id +
        "@shop.example.com>\r\n\r\nSpring sale!\r\n"
        "--F--\r\n";
    const auto report = in.process(arf, "", "imap:x");
    EXPECT_EQ(report.bounce.kind, bounces::message_kind::feedback);
    ASSERT_EQ(report.events.size(), 1u);
    EXPECT_EQ(report.events[0].ev.kind, events::event_kind::spam);
    EXPECT_TRUE(suppressed("jane.doe@example.net"));
}

TEST_F(BounceIntake, TheSinkSaysHandledOnlyForBouncesOnceDurable)
{
    auto in = intake();
    auto sink = in.sink("smtp");
    std::promise<std::pair<std::error_code, bounces::sink_outcome>> first;
    sink(dsn(recipient, returned()), verp(return_path_),
         [&first](std::error_code ec, bounces::sink_outcome o) {
             first.set_value({ec, o});
         });
    const auto [ec, outcome] = first.get_future().get();
    EXPECT_FALSE(ec);
    EXPECT_EQ(outcome, bounces::sink_outcome::handled);
    EXPECT_TRUE(suppressed("jane.doe@example.net")) << "durable before the sink says so";

    std::promise<bounces::sink_outcome> second;
    sink("From: a@b.example\r\nSubject: hello\r\n\r\njust mail\r\n", "",
         [&second](std::error_code, bounces::sink_outcome o) { second.set_value(o); });
    EXPECT_EQ(second.get_future().get(), bounces::sink_outcome::not_bounce);
}

} // namespace
} // namespace mailgate::core::intake

namespace mailgate::core::intake {
namespace {

// What the intake reads of the bounce's own header, from bytes anyone may send.
TEST(BounceHeader, HostileHeadersGiveAnAnswerAndAKey)
{
    const std::string nul("To: a@b.example\0\r\n\r\nbody", 24);
    for (const std::string& raw :
         {std::string(), std::string("\r\n"), std::string("To:"), std::string(" folded first\r\n"),
          std::string(100000, 'x'), std::string(50000, '\n'), std::string("To: <\r\n\r\n"), nul,
          std::string("Message-ID:\r\n\tfolded\r\n") + std::string(1 << 20, 'y')}) {
        EXPECT_EQ(bounce_key(raw).size(), 64u);
        EXPECT_LE(outer_recipients(raw).size(), 1u);
    }
    EXPECT_EQ(outer_recipients("To: b-x@bounces.example\r\n\r\nTo: not a header"),
              std::vector<std::string>{"b-x@bounces.example"});
    EXPECT_EQ(outer_recipients("Delivered-To: a@x.example\r\n continued\r\n"),
              std::vector<std::string>{"a@x.example continued"});
    // Trace fields a later hop adds do not change the key; another body does.
    const std::string bounce = "Message-ID: <1@mx>\r\n\r\nbody";
    EXPECT_EQ(bounce_key(bounce), bounce_key("Received: by mx2\r\n" + bounce));
    EXPECT_NE(bounce_key(bounce), bounce_key("Message-ID: <1@mx>\r\n\r\nother body"));
}

} // namespace
} // namespace mailgate::core::intake
