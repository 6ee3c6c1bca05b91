// The poller killed with SIGKILL at any point and started again: every bounce ends up stored
// once and moved, the rest stays, and only the message in flight at each kill may be handed
// twice (the sink stores it once whatever it is handed).

#include "dovecot_server.hpp"
#include "poller_test_support.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

namespace mailgate::core::imap {
namespace {

using namespace std::chrono_literals;
using mailgate::test::dovecot_server;

pid_t spawn_child(const dovecot_server& server, const std::filesystem::path& folder)
{
    const auto port = std::to_string(server.port());
    const auto user = server.user();
    const auto password_file = (server.dir() / "password").string();
    const auto data = folder.string();
    const pid_t pid = fork();
    if (pid == 0) {
        execl(MAILGATE_IMAP_POLLER_CHILD, MAILGATE_IMAP_POLLER_CHILD, port.c_str(), user.c_str(),
              password_file.c_str(), data.c_str(), "150", static_cast<char*>(nullptr));
        _exit(127);
    }
    return pid;
}

void kill_hard(pid_t pid)
{
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
}

int64_t count(const std::filesystem::path& db_path, const std::string& sql)
{
    if (!std::filesystem::exists(db_path)) {
        return 0;
    }
    sqlite3* db = nullptr;
    // Read-write: a child killed in a write leaves a hot journal that only a writer rolls back.
    sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr);
    sqlite3_busy_timeout(db, 2000);
    sqlite3_stmt* statement = nullptr;
    int64_t n = 0;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) == SQLITE_OK &&
        sqlite3_step(statement) == SQLITE_ROW) {
        n = sqlite3_column_int64(statement, 0);
    }
    sqlite3_finalize(statement);
    sqlite3_close(db);
    return n;
}

TEST(PollerCrash, ResumesAfterKillNineWithoutStoringAnythingTwice)
{
    if (const auto why = dovecot_server::unavailable(); !why.empty()) {
        GTEST_SKIP() << why;
    }
    dovecot_server server;
    const auto bounces = mailgate::test::corpus_bounces(8);
    ASSERT_EQ(bounces.size(), 8u);
    for (std::size_t i = 0; i < bounces.size(); ++i) {
        server.deliver(bounces[i]);
        if (i % 3 == 0) {
            server.deliver(mailgate::test::ordinary_mail(static_cast<int>(i)));
        }
    }
    const std::size_t ordinary = 3;
    const auto folder = server.dir() / "poller";
    std::filesystem::create_directory(folder);
    const auto handed = [&] { return count(folder / "handled.db", "SELECT count(*) FROM handed"); };

    // Killed three times, each a moment after it handed something more.
    int kills = 0;
    for (int round = 0; round < 3; ++round) {
        const auto before = handed();
        const pid_t child = spawn_child(server, folder);
        ASSERT_TRUE(mailgate::test::wait_until([&] { return handed() > before + round; }));
        std::this_thread::sleep_for(std::chrono::milliseconds(40 * round));
        kill_hard(child);
        ++kills;
    }
    const pid_t last = spawn_child(server, folder);
    const bool finished = mailgate::test::wait_until([&] {
        return server.messages("mailgate/processed").size() == bounces.size() &&
               handed() >= static_cast<int64_t>(bounces.size() + ordinary);
    });
    std::this_thread::sleep_for(500ms); // anything handed twice would be by now
    kill_hard(last);
    ASSERT_TRUE(finished);

    const auto db = folder / "handled.db";
    RecordProperty("handings", static_cast<int>(handed()));
    EXPECT_EQ(count(db, "SELECT count(*) FROM stored"), static_cast<int64_t>(bounces.size()))
        << "each bounce stored once";
    EXPECT_EQ(count(db, "SELECT count(DISTINCT hash) FROM handed"),
              static_cast<int64_t>(bounces.size() + ordinary));
    EXPECT_LE(handed(), static_cast<int64_t>(bounces.size() + ordinary) + kills)
        << "at most the message in flight handed again after each kill";
    EXPECT_EQ(mailgate::test::normalised(server.messages("mailgate/processed")),
              mailgate::test::normalised(bounces));
    EXPECT_EQ(server.messages().size(), ordinary);
}

} // namespace
} // namespace mailgate::core::imap
