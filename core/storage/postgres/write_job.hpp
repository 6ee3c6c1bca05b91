#pragma once

// What the writer thread commits for its callers: a batch of events, or a suppression edit
// whose caller waits for it. A job adds its writes to the transaction's write set; when a job
// fails, the group runs again job by job, each under a savepoint, so it is undone alone.

#include "core/events/event.hpp"
#include "core/storage/postgres/write_set.hpp"
#include "core/storage/store.hpp"
#include "core/storage/suppression_policy.hpp"

#include <cstddef>
#include <future>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

namespace mailgate::core::storage::postgres {

class write_job {
public:
    virtual ~write_job() = default;

    /// Its share of a group's event budget (max_batch_events).
    virtual std::size_t weight() const noexcept = 0;
    /// Adds its writes. Called again whenever the transaction runs again (after a deadlock, or
    /// job by job after a failure): each call starts over.
    virtual void plan(write_set& writes) = 0;
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
                                                       std::promise<void> done);

} // namespace mailgate::core::storage::postgres
