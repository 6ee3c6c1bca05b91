// The writer's second stage: a group's jobs hear their outcome only after the log's sync, a
// failed sync fails every write from then on, and no group is taken while handlers run nor, if
// small, while an earlier group waits for its sync.

#include "core/metrics/registry.hpp"
#include "core/storage/sqlite/wal_syncer.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <future>
#include <thread>

namespace mailgate::core::storage::sqlite {
namespace {

using namespace std::chrono_literals;

/// Tells the test the error it was finished with, and on which thread.
class recording_job final : public write_job {
public:
    struct report {
        std::error_code error;
        std::thread::id thread;
    };

    explicit recording_job(std::promise<report>& done, std::size_t weight = 1)
        : done_(done), weight_(weight)
    {
    }

    std::size_t weight() const noexcept override { return weight_; }
    void run(connection&, event_indexes&) override {}
    void finish(std::error_code error) noexcept override
    {
        done_.set_value({error, std::this_thread::get_id()});
    }

private:
    std::promise<report>& done_;
    std::size_t weight_;
};

class WalSyncer : public ::testing::Test {
protected:
    std::filesystem::path log_file()
    {
        auto path = folder_.path() / "mailgate.db-wal";
        std::ofstream(path) << "frames";
        return path;
    }

    /// One group of jobs, each with its own error as the writer found it.
    committed_group group_of(std::vector<std::promise<recording_job::report>>& reports,
                             std::vector<std::error_code> errors)
    {
        committed_group group;
        for (auto& report : reports) {
            group.jobs.push_back(std::make_unique<recording_job>(report));
        }
        group.errors = std::move(errors);
        group.started = std::chrono::steady_clock::now();
        return group;
    }

    test::temp_folder folder_;
    write_queue<write_job> queue_{100};
};

TEST_F(WalSyncer, ReportsEachJobWithItsOwnErrorOnceSynced)
{
    metrics::histogram commit_latency({1.0});
    wal_syncer syncer(log_file(), queue_, &commit_latency);
    std::vector<std::promise<recording_job::report>> reports(2);
    const auto busy = std::make_error_code(std::errc::device_or_resource_busy);

    syncer.hand_over(group_of(reports, {{}, busy}));

    const auto first = reports[0].get_future().get();
    const auto second = reports[1].get_future().get();
    EXPECT_FALSE(first.error) << first.error.message();
    EXPECT_EQ(second.error, busy) << "a job's own failure stands";
    EXPECT_NE(first.thread, std::this_thread::get_id());
    EXPECT_FALSE(syncer.failure());
    EXPECT_EQ(commit_latency.cumulative_counts().back(), 1u) << "counted before the jobs heard";
}

// fdatasync refuses a character device (EINVAL), a failure no ordinary disk gives on demand.
TEST_F(WalSyncer, RefusesEveryWriteForGoodAfterAFailedSync)
{
    metrics::histogram commit_latency({1.0});
    wal_syncer syncer("/dev/null", queue_, &commit_latency);
    const auto invalid = std::errc::invalid_argument;
    std::vector<std::promise<recording_job::report>> first(1);
    std::vector<std::promise<recording_job::report>> later(1);

    syncer.hand_over(group_of(first, {{}}));
    EXPECT_EQ(first[0].get_future().get().error, invalid);
    syncer.hand_over(group_of(later, {{}}));

    EXPECT_EQ(later[0].get_future().get().error, invalid) << "no later sync is trusted";
    EXPECT_EQ(syncer.failure(), invalid);
    EXPECT_EQ(commit_latency.cumulative_counts().back(), 0u) << "nothing was durable";
}

TEST_F(WalSyncer, NamesALogItCannotOpen)
{
    try {
        wal_syncer syncer(folder_.path() / "missing-wal", queue_, nullptr);
        FAIL() << "opened a log that does not exist";
    } catch (const std::system_error& e) {
        EXPECT_NE(std::string(e.what()).find("missing-wal"), std::string::npos) << e.what();
    }
}

TEST_F(WalSyncer, ReportsWhatWasHandedOverBeforeStopping)
{
    std::vector<std::promise<recording_job::report>> reports(3);
    {
        wal_syncer syncer(log_file(), queue_, nullptr);
        syncer.hand_over(group_of(reports, {{}, {}, {}}));
    }

    for (auto& report : reports) {
        auto done = report.get_future();
        ASSERT_EQ(done.wait_for(0s), std::future_status::ready);
        EXPECT_FALSE(done.get().error);
    }
}

// A job's handler may hold the writer (tests do, to gather jobs into one group): the writer
// takes nothing while handlers run on the syncer's thread.
TEST(WriteQueue, TakesNoGroupWhileHandlersRun)
{
    write_queue<write_job> queue(100);
    std::promise<recording_job::report> unused;
    queue.begin_reporting();
    queue.push(std::make_unique<recording_job>(unused));

    auto taken = std::async(std::launch::async, [&queue] { return queue.take_group().size(); });

    EXPECT_EQ(taken.wait_for(100ms), std::future_status::timeout);
    queue.end_reporting(0);
    EXPECT_EQ(taken.get(), 1u);
}

/// A queue whose first group (one job) the writer has taken: committed, awaiting its sync.
class WriteQueueAfterOneGroup : public ::testing::Test {
protected:
    void SetUp() override
    {
        queue_.push(job());
        ASSERT_EQ(queue_.take_group().size(), 1u);
    }

    std::unique_ptr<recording_job> job(std::size_t weight = 1)
    {
        return std::make_unique<recording_job>(unused_, weight);
    }

    /// The next take_group(), on a thread of its own; yields the group's size.
    std::future<std::size_t> take_async()
    {
        return std::async(std::launch::async, [this] { return queue_.take_group().size(); });
    }

    /// The syncer's report of the first group.
    void report_first_group()
    {
        queue_.begin_reporting();
        queue_.end_reporting(1);
    }

    write_queue<write_job> queue_{5000};
    std::promise<recording_job::report> unused_;
};

// While a group waits for its sync, small jobs gather into the next group instead of each
// paying for a transaction; the report lets the writer take them, all at once.
TEST_F(WriteQueueAfterOneGroup, SmallJobsWaitForTheEarlierGroupsReport)
{
    queue_.push(job());
    queue_.push(job());

    auto taken = take_async();

    EXPECT_EQ(taken.wait_for(100ms), std::future_status::timeout);
    report_first_group();
    ASSERT_EQ(taken.wait_for(5s), std::future_status::ready);
    EXPECT_EQ(taken.get(), 2u);
    EXPECT_EQ(queue_.pending(), 2u);
}

// A group worth a transaction of its own overlaps the earlier group's sync.
TEST_F(WriteQueueAfterOneGroup, HeavyJobsDoNotWaitForTheEarlierGroup)
{
    queue_.push(job(1000));

    auto taken = take_async();

    ASSERT_EQ(taken.wait_for(5s), std::future_status::ready);
    EXPECT_EQ(taken.get(), 1u);
}

// Stopping still commits what is queued, once the group before it has reported.
TEST_F(WriteQueueAfterOneGroup, StopTakesTheLastJobsAfterTheReport)
{
    queue_.push(job());
    queue_.stop();

    auto taken = take_async();

    EXPECT_EQ(taken.wait_for(100ms), std::future_status::timeout);
    report_first_group();
    ASSERT_EQ(taken.wait_for(5s), std::future_status::ready);
    EXPECT_EQ(taken.get(), 1u);
    EXPECT_TRUE(queue_.take_group().empty());
}

} // namespace
} // namespace mailgate::core::storage::sqlite
