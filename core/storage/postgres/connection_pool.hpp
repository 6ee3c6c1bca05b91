#pragma once

// Connections for the reads, so they run on the caller's thread, in parallel, and never wait
// for the writer. Opened when first needed, up to the pool's size; one that was lost (the
// server restarted) is reopened when next leased.

#include "core/storage/postgres/connection.hpp"

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace mailgate::core::storage::postgres {

class connection_pool {
public:
    /// `conninfo` is a secret, kept to connect; `size` is at least one.
    connection_pool(std::string conninfo, std::size_t size);

    /// A connection, given back to the pool when the lease goes.
    class lease {
    public:
        lease(connection_pool& pool, std::unique_ptr<connection> db) noexcept
            : pool_(pool), db_(std::move(db))
        {
        }
        ~lease() { pool_.give_back(std::move(db_)); }
        lease(const lease&) = delete;
        lease& operator=(const lease&) = delete;

        connection& operator*() const noexcept { return *db_; }

    private:
        connection_pool& pool_;
        std::unique_ptr<connection> db_;
    };

    /// Waits while every connection is leased. Throws postgres_error when it cannot connect.
    /// THREAD: any.
    lease acquire();

private:
    /// An idle connection, or nothing when this caller may open one more.
    std::unique_ptr<connection> take_idle();
    void give_back(std::unique_ptr<connection> db) noexcept;
    void forget_one() noexcept;

    const std::string conninfo_;
    const std::size_t size_;
    std::mutex mutex_;
    std::condition_variable returned_;
    std::vector<std::unique_ptr<connection>> idle_;
    std::size_t open_ = 0; ///< idle or leased
};

} // namespace mailgate::core::storage::postgres
