#pragma once

// The shared storage backend: several gateway nodes on one PostgreSQL database share the event
// log, the suppression list, the reports and the send queue. Each node has one writer
// connection, which commits the batches of many concurrent requests together, and a pool of
// connections for reads.

#include "core/metrics/registry.hpp"
#include "core/storage/store.hpp"

#include <cstddef>
#include <memory>
#include <string>

namespace mailgate::core::storage {

struct postgres_options {
    /// A libpq connection string or postgresql:// URI. A secret (it may hold the password):
    /// never logged.
    std::string url;
    /// Connections for reads, opened when needed; the writer has one more.
    std::size_t pool_size = 8;
    /// Observed once per committed transaction, in seconds. May be null.
    metrics::histogram* commit_latency = nullptr;
    /// The most events one transaction takes from the queue (a bigger batch goes alone).
    std::size_t max_batch_events = 50000;
};

/// Connects, checks the server (PostgreSQL 12 or newer) and brings the schema up to date under
/// the migration lock. Throws std::runtime_error with the cause (never the url).
std::unique_ptr<store> open_postgres_store(const postgres_options& options);

} // namespace mailgate::core::storage
