#include "core/storage/postgres/write_job.hpp"

#include "core/storage/job_completion.hpp"
#include "core/storage/prepared_event.hpp"

#include <algorithm>

namespace mailgate::core::storage::postgres {
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

    void plan(write_set& writes) override
    {
        result_ = {};
        writes.add_events(batch_, prepared_, [this](const std::vector<bool>& stored) {
            result_.stored =
                static_cast<std::size_t>(std::count(stored.begin(), stored.end(), true));
            result_.duplicates = stored.size() - result_.stored;
        });
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

    void plan(write_set& writes) override
    {
        auto s = put_suppressions(entries_);
        writes.add_statement(s.sql, std::move(s.values));
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

    void plan(write_set& writes) override
    {
        removed_ = 0;
        suppression_change change;
        change.entry.email = what_.email;
        change.entry.stream = what_.stream;
        change.entry.reason.clear(); // whatever the reason
        change.entry.source = what_.source;
        change.entry.note = what_.note;
        change.entry.created_at = what_.at;
        change.removed = [this](std::size_t removed) { removed_ = removed; };
        writes.remove_suppression(std::move(change));
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
    put_mailbox_cursor_job(std::string mailbox, mailbox_cursor cursor, std::promise<void> done)
        : mailbox_(std::move(mailbox)), cursor_(cursor), done_(std::move(done))
    {
    }

    std::size_t weight() const noexcept override { return 1; }

    void plan(write_set& writes) override
    {
        static constexpr std::string_view sql =
            "INSERT INTO mailbox_cursors (mailbox, uid_validity, last_uid, updated_at) "
            "VALUES ($1, $2, $3, (extract(epoch FROM clock_timestamp()) * 1000)::bigint) "
            "ON CONFLICT (mailbox) DO UPDATE SET uid_validity = excluded.uid_validity, "
            "last_uid = excluded.last_uid, updated_at = excluded.updated_at";
        writes.add_statement(
            sql, params().text(mailbox_).integer(cursor_.uid_validity).integer(cursor_.last_uid));
    }

    void finish(std::error_code error) noexcept override
    {
        settle(done_, error, "storing the mailbox cursor failed", [this] { done_.set_value(); });
    }

private:
    std::string mailbox_;
    mailbox_cursor cursor_;
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
                                                       std::promise<void> done)
{
    return std::make_unique<put_mailbox_cursor_job>(std::move(mailbox), cursor, std::move(done));
}

} // namespace mailgate::core::storage::postgres
