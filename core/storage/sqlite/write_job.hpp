#pragma once

// What the writer thread runs inside a group's transaction: a batch of events, or a
// suppression edit whose caller waits for it. The writer runs each job under its own
// savepoint, so a job that fails undoes only its own writes.

#include "core/events/event.hpp"
#include "core/storage/sqlite/connection.hpp"
#include "core/storage/sqlite/event_indexes.hpp"
#include "core/storage/store.hpp"
#include "core/storage/suppression_policy.hpp"

#include <cstddef>
#include <future>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

namespace mailgate::core::storage::sqlite {

class write_job {
public:
    virtual ~write_job() = default;

    /// Its share of a group's event budget (max_batch_events).
    virtual std::size_t weight() const noexcept = 0;
    /// Writes, inside the group's transaction; stored events go through `indexes`, which the
    /// writer writes many at a time. Throws sqlite_error. May run a second time, when
    /// the group is rolled back and retried job by job: each run starts over.
    virtual void run(connection& db, event_indexes& indexes) = 0;
    /// Reports the outcome once the group is over: no error means committed and durable; an
    /// error means nothing of the job was applied.
    virtual void finish(std::error_code error) noexcept = 0;
};

std::unique_ptr<write_job> make_batch_job(std::vector<events::routed_event> batch,
                                          commit_handler done);
/// All of `entries` or none.
std::unique_ptr<write_job> make_put_suppressions_job(std::vector<suppression> entries,
                                                     std::promise<void> done);

/// The promise gets how many entries there were.
std::unique_ptr<write_job> make_remove_suppression_job(removal what,
                                                       std::promise<std::size_t> done);
std::unique_ptr<write_job> make_put_mailbox_cursor_job(std::string mailbox, mailbox_cursor cursor,
                                                       int64_t now, std::promise<void> done);

} // namespace mailgate::core::storage::sqlite
