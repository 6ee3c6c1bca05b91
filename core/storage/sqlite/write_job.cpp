#include "core/storage/sqlite/write_job.hpp"

#include "core/storage/job_completion.hpp"
#include "core/storage/sqlite/event_writes.hpp"

namespace mailgate::core::storage::sqlite {
namespace {

class batch_job final : public write_job {
public:
    // Keys and JSON are made here, on the submitting thread, to keep work off the one writer.
    batch_job(std::vector<events::routed_event> batch, commit_handler done)
        : batch_(std::move(batch)), done_(std::move(done))
    {
        prepared_.reserve(batch_.size());
        for (const auto& routed : batch_) {
            prepared_.push_back(prepare_event(routed));
        }
    }

    std::size_t weight() const noexcept override { return batch_.size(); }

    // Runs again after a rollback when another job of the group failed: counts start over.
    void run(connection& db, event_indexes& indexes) override
    {
        result_ = {};
        for (std::size_t i = 0; i < batch_.size(); ++i) {
            ++(apply_event(db, indexes, batch_[i], prepared_[i]) ? result_.stored
                                                                 : result_.duplicates);
        }
    }

    void finish(std::error_code error) noexcept override
    {
        call_handler([&] { done_(error, error ? commit_result{} : result_); });
    }

private:
    std::vector<events::routed_event> batch_;
    std::vector<prepared_event> prepared_;
    commit_handler done_;
    commit_result result_;
};

class put_suppressions_job final : public write_job {
public:
    put_suppressions_job(std::vector<suppression> entries, std::promise<void> done)
        : entries_(std::move(entries)), done_(std::move(done))
    {
    }

    std::size_t weight() const noexcept override { return entries_.size(); }

    // Under the job's savepoint: an entry that fails undoes the others.
    void run(connection& db, event_indexes& /*indexes*/) override
    {
        for (const auto& entry : entries_) {
            put_suppression(db, entry);
        }
    }

    void finish(std::error_code error) noexcept override
    {
        settle(done_, error, "storing the suppressions failed", [this] { done_.set_value(); });
    }

private:
    std::vector<suppression> entries_;
    std::promise<void> done_;
};

class remove_suppression_job final : public write_job {
public:
    remove_suppression_job(removal what, std::promise<std::size_t> done)
        : what_(std::move(what)), done_(std::move(done))
    {
    }

    std::size_t weight() const noexcept override { return 1; }

    void run(connection& db, event_indexes& indexes) override
    {
        removed_ = remove_suppression(db, indexes, what_);
    }

    void finish(std::error_code error) noexcept override
    {
        settle(done_, error, "removing the suppression failed",
               [this] { done_.set_value(removed_); });
    }

private:
    removal what_;
    std::promise<std::size_t> done_;
    std::size_t removed_ = 0;
};

class put_mailbox_cursor_job final : public write_job {
public:
    put_mailbox_cursor_job(std::string mailbox, mailbox_cursor cursor, int64_t now,
                           std::promise<void> done)
        : mailbox_(std::move(mailbox)), cursor_(cursor), now_(now), done_(std::move(done))
    {
    }

    std::size_t weight() const noexcept override { return 1; }

    void run(connection& db, event_indexes& /*indexes*/) override
    {
        db.prepare("INSERT INTO mailbox_cursors (mailbox, uid_validity, last_uid, updated_at) "
                   "VALUES (?, ?, ?, ?) ON CONFLICT (mailbox) DO UPDATE SET "
                   "uid_validity = excluded.uid_validity, last_uid = excluded.last_uid, "
                   "updated_at = excluded.updated_at")
            .bind(mailbox_)
            .bind(cursor_.uid_validity)
            .bind(cursor_.last_uid)
            .bind(now_)
            .run();
    }

    void finish(std::error_code error) noexcept override
    {
        settle(done_, error, "storing the mailbox cursor failed", [this] { done_.set_value(); });
    }

private:
    std::string mailbox_;
    mailbox_cursor cursor_;
    int64_t now_;
    std::promise<void> done_;
};

} // namespace

std::unique_ptr<write_job> make_batch_job(std::vector<events::routed_event> batch,
                                          commit_handler done)
{
    return std::make_unique<batch_job>(std::move(batch), std::move(done));
}

std::unique_ptr<write_job> make_put_suppressions_job(std::vector<suppression> entries,
                                                     std::promise<void> done)
{
    return std::make_unique<put_suppressions_job>(std::move(entries), std::move(done));
}

std::unique_ptr<write_job> make_remove_suppression_job(removal what, std::promise<std::size_t> done)
{
    return std::make_unique<remove_suppression_job>(std::move(what), std::move(done));
}

std::unique_ptr<write_job> make_put_mailbox_cursor_job(std::string mailbox, mailbox_cursor cursor,
                                                       int64_t now, std::promise<void> done)
{
    return std::make_unique<put_mailbox_cursor_job>(std::move(mailbox), cursor, now,
                                                    std::move(done));
}

} // namespace mailgate::core::storage::sqlite
