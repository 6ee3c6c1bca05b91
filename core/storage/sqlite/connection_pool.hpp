#pragma once

// Read-only connections for the reads, so they run on the caller's thread, in parallel, and
// never wait for the writer: in WAL mode a reader sees the last commit while the writer
// writes the next one.

#include "core/storage/sqlite/connection.hpp"

#include <condition_variable>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

namespace mailgate::core::storage::sqlite {

class connection_pool {
public:
    /// Opens `size` (at least one) read-only connections to an existing database.
    connection_pool(const std::filesystem::path& path, std::size_t size);

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

    /// Waits while every connection is leased. THREAD: any.
    lease acquire();

private:
    void give_back(std::unique_ptr<connection> db) noexcept;

    std::mutex mutex_;
    std::condition_variable returned_;
    std::vector<std::unique_ptr<connection>> idle_;
};

} // namespace mailgate::core::storage::sqlite
