#pragma once

// The outbound queue's writes, run by the writer thread like every other write, so a burst of
// accepted messages, the claims of the delivery workers and their outcomes share group commits
// with the callbacks' events. Claims skip rows another node's open transaction has locked
// (FOR UPDATE SKIP LOCKED): two nodes claiming at once never take the same message.

#include "core/storage/postgres/write_job.hpp"
#include "core/storage/store.hpp"

#include <cstdint>
#include <future>
#include <memory>
#include <string>
#include <vector>

namespace mailgate::core::storage::postgres {

std::unique_ptr<write_job> make_enqueue_job(std::vector<queued_message> messages,
                                            done_handler done);
std::unique_ptr<write_job> make_claim_job(std::string owner, std::size_t max, int64_t now,
                                          int64_t lease_until, claim_handler done);
std::unique_ptr<write_job> make_record_job(std::vector<delivery_outcome> outcomes,
                                           done_handler done);
/// The promise gets how many messages were released.
std::unique_ptr<write_job> make_release_job(std::string owner, std::promise<std::size_t> done);

} // namespace mailgate::core::storage::postgres
