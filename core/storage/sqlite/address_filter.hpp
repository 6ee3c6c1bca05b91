#pragma once

// A Bloom filter of addresses (their email_hash): whether an address may have been added, never
// "no" for one that was. It spares the writer a lookup in a table for an address that cannot be
// there, which is most of them. Its owner reads it from the table when it needs_read.

#include "core/storage/sqlite/connection.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mailgate::core::storage::sqlite {

/// Used by one thread (the writer's).
class address_filter {
public:
    /// Column of the query read() runs: an address, or the email_hash of many (hashes_blob).
    enum class column { email, hashes };

    /// Room for `least` addresses at least.
    explicit address_filter(std::size_t least) noexcept : least_(least) {}

    /// Not read yet, forgotten, or holding too many to answer well.
    bool needs_read() const noexcept { return words_.empty() || added_ > capacity_; }
    /// Holds the addresses `list_sql` lists (as `what`) and `count_sql` counts, with room for as
    /// many again. Throws sqlite_error.
    void read(connection& db, std::string_view count_sql, std::string_view list_sql, column what);
    /// False only for an address neither read nor added. After read().
    bool may_hold(int64_t hash) const noexcept;
    /// After read().
    void add(int64_t hash) noexcept;
    /// Another connection may have changed the table: read it again.
    void forget() noexcept { words_.clear(); }

private:
    void add_hashes(std::string_view blob) noexcept;

    std::size_t least_;
    std::vector<uint64_t> words_; // a power of two of them; empty: not read
    std::size_t capacity_ = 0;
    std::size_t added_ = 0;
};

/// The blob of email hashes a column::hashes query lists: 8 bytes each, little-endian.
std::string hashes_blob(const std::vector<int64_t>& hashes);

} // namespace mailgate::core::storage::sqlite
