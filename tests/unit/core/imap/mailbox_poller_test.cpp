// The poller against a real IMAP server (Dovecot, started per test by dovecot.sh): it hands
// every message once, moves exactly the bounces and complaints, leaves the rest unread where
// they are, waits with IDLE or polls, and resumes from its saved cursor.

#include "core/imap/cursor_store.hpp"
#include "core/imap/mailbox_poller.hpp"
#include "core/metrics/registry.hpp"
#include "core/storage/sqlite_store.hpp"
#include "dovecot_server.hpp"
#include "poller_test_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <optional>

namespace mailgate::core::imap {
namespace {

using namespace std::chrono_literals;
using mailgate::test::dovecot_server;
using mailgate::test::normalised;
using mailgate::test::wait_until;
using ::testing::Each;
using ::testing::HasSubstr;
using ::testing::Not;

class MailboxPoller : public ::testing::Test {
protected:
    void SetUp() override
    {
        if (const auto why = dovecot_server::unavailable(); !why.empty()) {
            GTEST_SKIP() << why;
        }
        auto pattern =
            (std::filesystem::temp_directory_path() / "mailgate-imap-db-XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        db_dir_ = pattern;
        open_store();
    }
    void TearDown() override
    {
        poller_.reset();
        cursors_.reset();
        store_.reset();
        std::error_code ignored;
        if (!db_dir_.empty()) {
            std::filesystem::remove_all(db_dir_, ignored);
        }
    }

    void open_store()
    {
        storage::sqlite_options options;
        options.path = db_dir_ / "mailgate.db";
        store_ = storage::open_sqlite_store(options);
        cursors_ = std::make_unique<store_cursors>(*store_);
    }

    void start(const config::bounce_mailbox_config& config)
    {
        poller_ = std::make_unique<mailbox_poller>(config, server_->password(), *cursors_,
                                                   sink_.sink(), metrics_);
        poller_->start();
    }

    uint64_t messages(const std::string& result, const std::string& mailbox = "test")
    {
        return metrics_
            .get_counter("mailgate_bounce_imap_messages_total", "",
                         {{"mailbox", mailbox}, {"result", result}})
            .value();
    }
    /// Messages whose outcome is known and saved: the poller counts each just before it
    /// saves its cursor, in one step a stop() cannot come between (the move, when there is
    /// one, is already on disk before the poller has its reply).
    uint64_t settled(const std::string& mailbox = "test")
    {
        return messages("handled", mailbox) + messages("not_bounce", mailbox) +
               messages("too_large", mailbox);
    }
    uint64_t errors(const std::string& mailbox = "test")
    {
        return metrics_.get_counter("mailgate_bounce_imap_errors_total", "", {{"mailbox", mailbox}})
            .value();
    }

    std::optional<dovecot_server> server_;
    std::filesystem::path db_dir_;
    std::unique_ptr<storage::store> store_;
    std::unique_ptr<store_cursors> cursors_;
    metrics::registry metrics_;
    mailgate::test::recording_sink sink_;
    std::unique_ptr<mailbox_poller> poller_;
};

TEST_F(MailboxPoller, HandsEachMessageOnceAndMovesExactlyTheBounces)
{
    server_.emplace();
    auto bounces = mailgate::test::corpus_bounces(6);
    ASSERT_EQ(bounces.size(), 6u);
    if (std::filesystem::exists(mailgate::test::corpus_dir() / "arf-02.eml")) {
        bounces.push_back(mailgate::test::read_file(mailgate::test::corpus_dir() / "arf-02.eml"));
    }
    ASSERT_TRUE(mailgate::test::is_bounce(bounces.back())) << "a complaint is handled too";
    std::vector<std::string> ordinary{mailgate::test::ordinary_mail(1),
                                      mailgate::test::ordinary_mail(2)};
    for (std::size_t i = 0; i < bounces.size(); ++i) {
        server_->deliver(bounces[i]);
        if (i < ordinary.size()) {
            server_->deliver(ordinary[i]);
        }
    }

    start(server_->mailbox());

    const auto all = bounces.size() + ordinary.size();
    ASSERT_TRUE(wait_until([&] {
        return server_->messages("mailgate/processed").size() == bounces.size() &&
               sink_.count() == all;
    }));
    std::this_thread::sleep_for(500ms); // a second handing would come within a poll
    poller_->stop();

    auto expected = bounces;
    expected.insert(expected.end(), ordinary.begin(), ordinary.end());
    EXPECT_EQ(normalised(sink_.handed()), normalised(expected)) << "each message handed once";
    EXPECT_EQ(normalised(server_->messages("mailgate/processed")), normalised(bounces));
    EXPECT_EQ(normalised(server_->messages()), normalised(ordinary));
    EXPECT_THAT(server_->flags(), Each(Not(HasSubstr("S")))) << "nothing marked read";
    EXPECT_THAT(server_->flags("mailgate/processed"), Each(Not(HasSubstr("S"))));
    EXPECT_EQ(messages("handled"), bounces.size());
    EXPECT_EQ(messages("not_bounce"), ordinary.size());
    EXPECT_EQ(errors(), 0u);
}

TEST_F(MailboxPoller, IdleHandsAMessageDeliveredWhileIdling)
{
    server_.emplace();
    auto config = server_->mailbox();
    config.poll_interval = 60s; // only the server's announcement can wake it
    start(config);
    // Logged in, selected, searched (nothing there) and idling by then.
    std::this_thread::sleep_for(1s);

    const auto bounce = mailgate::test::corpus_bounces(1).front();
    const auto delivered = std::chrono::steady_clock::now();
    server_->deliver(bounce);

    ASSERT_TRUE(
        wait_until([&] { return server_->messages("mailgate/processed").size() == 1; }, 5s));
    EXPECT_LT(std::chrono::steady_clock::now() - delivered, 2500ms);
}

TEST_F(MailboxPoller, PollsWhenTheServerOffersNoIdle)
{
    server_.emplace("--capability 'IMAP4rev1 LITERAL+ UIDPLUS MOVE'");
    start(server_->mailbox());
    std::this_thread::sleep_for(500ms);

    server_->deliver(mailgate::test::corpus_bounces(1).front());
    server_->deliver(mailgate::test::ordinary_mail(1));

    ASSERT_TRUE(wait_until([&] { return sink_.count() == 2; }, 5s));
    ASSERT_TRUE(wait_until([&] { return server_->messages("mailgate/processed").size() == 1; }));
    EXPECT_EQ(server_->messages().size(), 1u);
}

TEST_F(MailboxPoller, WithoutMoveExpungesOnlyTheMovedMessage)
{
    server_.emplace("--capability 'IMAP4rev1 UIDPLUS'");
    // Someone else's message marked deleted and not yet expunged: a plain EXPUNGE would take it.
    server_->deliver(mailgate::test::ordinary_mail(7), "T");
    server_->deliver(mailgate::test::corpus_bounces(1).front());

    start(server_->mailbox());

    ASSERT_TRUE(wait_until([&] {
        return server_->messages("mailgate/processed").size() == 1 &&
               server_->messages().size() == 1;
    }));
    poller_->stop();
    EXPECT_EQ(mailgate::test::without_cr(server_->messages().front()),
              mailgate::test::without_cr(mailgate::test::ordinary_mail(7)));
}

TEST_F(MailboxPoller, WithoutUidplusCopiesAndMarksSeenAndNeverHandsItAgain)
{
    server_.emplace("--capability 'IMAP4rev1'");
    server_->deliver(mailgate::test::corpus_bounces(1).front());
    server_->deliver(mailgate::test::ordinary_mail(1));

    start(server_->mailbox());
    ASSERT_TRUE(wait_until([&] { return settled() == 2; }));
    poller_->stop();
    EXPECT_EQ(server_->messages("mailgate/processed").size(), 1u);
    EXPECT_EQ(server_->messages().size(), 2u) << "the original stays: nothing expunged";
    auto flags = server_->flags();
    std::sort(flags.begin(), flags.end());
    EXPECT_EQ(flags, (std::vector<std::string>{"", "S"})) << "the copied one marked read only";

    start(server_->mailbox());
    std::this_thread::sleep_for(1s);
    poller_->stop();
    EXPECT_EQ(sink_.count(), 2u);
    EXPECT_EQ(server_->messages("mailgate/processed").size(), 1u);
}

TEST_F(MailboxPoller, ResumesFromTheSavedCursorAfterARestart)
{
    server_.emplace();
    const auto bounces = mailgate::test::corpus_bounces(4);
    server_->deliver(bounces[0]);
    server_->deliver(mailgate::test::ordinary_mail(1));
    start(server_->mailbox());
    ASSERT_TRUE(wait_until([&] { return settled() == 2; }));
    poller_->stop();
    poller_.reset();
    cursors_.reset();
    store_.reset();

    open_store();
    server_->deliver(bounces[1]);
    server_->deliver(mailgate::test::ordinary_mail(2));
    start(server_->mailbox());

    ASSERT_TRUE(wait_until([&] { return settled() == 4; }));
    std::this_thread::sleep_for(700ms);
    poller_->stop();
    EXPECT_EQ(normalised(sink_.handed()),
              normalised({bounces[0], bounces[1], mailgate::test::ordinary_mail(1),
                          mailgate::test::ordinary_mail(2)}))
        << "nothing handed twice";
    EXPECT_EQ(server_->messages("mailgate/processed").size(), 2u);
    EXPECT_EQ(server_->messages().size(), 2u);
}

TEST_F(MailboxPoller, ReadsTheFolderAgainWhenUidValidityChanged)
{
    server_.emplace();
    server_->deliver(mailgate::test::corpus_bounces(1).front());
    cursors_->put("test", {1, 1000}); // another numbering's cursor, past every UID here

    start(server_->mailbox());

    ASSERT_TRUE(wait_until([&] { return settled() == 1; }));
    poller_->stop();
    const auto saved = cursors_->find("test");
    ASSERT_TRUE(saved);
    EXPECT_NE(saved->uid_validity, 1);
    EXPECT_EQ(saved->last_uid, 1);
}

TEST_F(MailboxPoller, RetriesAMessageTheSinkFailedToStore)
{
    server_.emplace();
    const auto bounce = mailgate::test::corpus_bounces(1).front();
    server_->deliver(bounce);
    sink_.fail_next();

    start(server_->mailbox());

    // The move is on disk before the poller has its reply, and counts it.
    ASSERT_TRUE(wait_until([&] {
        return server_->messages("mailgate/processed").size() == 1 && messages("handled") == 1;
    }));
    poller_->stop();
    EXPECT_EQ(sink_.count(), 2u) << "handed again after the failure";
    EXPECT_EQ(messages("sink_error"), 1u);
    EXPECT_EQ(messages("handled"), 1u);
}

TEST_F(MailboxPoller, LeavesAMessageOverTheSizeLimitUnread)
{
    server_.emplace();
    const auto small = mailgate::test::ordinary_mail(1);
    const auto large = mailgate::test::ordinary_mail(2) + std::string(4000, 'x') + "\r\n";
    server_->deliver(large);
    server_->deliver(small);
    auto config = server_->mailbox();
    config.max_message_size = 1000;

    start(config);

    ASSERT_TRUE(wait_until([&] { return sink_.count() == 1; }));
    std::this_thread::sleep_for(500ms);
    poller_->stop();
    EXPECT_EQ(sink_.handed().front(), mailgate::test::without_cr(small));
    EXPECT_EQ(messages("too_large"), 1u);
    EXPECT_EQ(server_->messages().size(), 2u);
    EXPECT_THAT(server_->flags(), Each(Not(HasSubstr("S"))));
}

TEST_F(MailboxPoller, ReadsOverImplicitTlsAndStartTls)
{
    server_.emplace("--tls");
    server_->deliver(mailgate::test::corpus_bounces(1).front());
    server_->deliver(mailgate::test::ordinary_mail(1));
    auto tls = server_->mailbox("tls");
    tls.port = server_->tls_port();
    tls.security = config::imap_security::tls;
    tls.verify_tls = false; // the certificate is a throwaway self-signed one
    start(tls);
    ASSERT_TRUE(wait_until([&] { return settled("tls") == 2; }));
    poller_->stop();

    server_->deliver(mailgate::test::ordinary_mail(2));
    auto starttls = server_->mailbox("tls");
    starttls.security = config::imap_security::starttls;
    starttls.verify_tls = false;
    start(starttls);
    ASSERT_TRUE(wait_until([&] { return settled("tls") == 3; }));
    poller_->stop();
    EXPECT_EQ(server_->messages("mailgate/processed").size(), 1u);
}

TEST_F(MailboxPoller, RefusesACertificateItCannotVerify)
{
    server_.emplace("--tls");
    server_->deliver(mailgate::test::ordinary_mail(1));
    auto config = server_->mailbox();
    config.port = server_->tls_port();
    config.security = config::imap_security::tls;

    start(config);

    ASSERT_TRUE(wait_until([&] { return errors() >= 1; }, 5s));
    poller_->stop();
    EXPECT_EQ(sink_.count(), 0u);
}

TEST_F(MailboxPoller, StopsPromptlyWhileIdling)
{
    server_.emplace();
    auto config = server_->mailbox();
    config.poll_interval = 60s;
    start(config);
    std::this_thread::sleep_for(500ms);

    const auto before = std::chrono::steady_clock::now();
    poller_->stop();

    EXPECT_LT(std::chrono::steady_clock::now() - before, 1s);
}

TEST_F(MailboxPoller, StopsPromptlyWhenTheServerIsUnreachable)
{
    server_.emplace();
    auto config = server_->mailbox();
    config.port = 1; // nothing listens: connection refused, then a backoff
    start(config);
    ASSERT_TRUE(wait_until([&] { return errors() >= 1; }, 5s));

    const auto before = std::chrono::steady_clock::now();
    poller_->stop();

    EXPECT_LT(std::chrono::steady_clock::now() - before, 1s);
}

} // namespace
} // namespace mailgate::core::imap
