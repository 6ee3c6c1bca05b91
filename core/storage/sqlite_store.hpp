#pragma once

// The embedded storage backend: one SQLite file in WAL mode, one writer thread that commits
// the batches of many concurrent requests together, and a few read-only connections so reads
// never wait for it.

#include "core/metrics/registry.hpp"
#include "core/storage/store.hpp"

#include <cstddef>
#include <filesystem>
#include <memory>

namespace mailgate::core::storage {

struct sqlite_options {
    std::filesystem::path path;
    /// Observed once per committed transaction, in seconds. May be null.
    metrics::histogram* commit_latency = nullptr;
    /// The most events one transaction takes from the queue (a bigger batch goes alone).
    std::size_t max_batch_events = 50000;
    /// Events stored between two writes of the idempotency and address indexes, which then take
    /// all of theirs at once, sorted: more share the pages they dirty, the writer holds as many
    /// keys in memory, and reads by address scan about as many of the newest events. At least 1.
    std::size_t index_batch = 131072;
    /// Connections for reads (at least one is opened).
    std::size_t read_connections = 4;
};

/// Opens the store, creating the parent folder and the file, and brings the schema up to
/// date. Throws std::runtime_error naming the file and the cause.
std::unique_ptr<store> open_sqlite_store(const sqlite_options& options);

} // namespace mailgate::core::storage
