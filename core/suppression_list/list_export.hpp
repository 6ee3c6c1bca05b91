#pragma once

// The list out of the store, page by page (store::list_suppressions), through an entry_writer:
// memory stays bounded whatever the list's size.

#include "core/storage/store.hpp"
#include "core/suppression_list/entry_writer.hpp"

#include <cstddef>
#include <optional>
#include <ostream>
#include <string>

namespace mailgate::core::suppression_list {

/// Where a page of an export stops: the next one starts after this (email, stream).
struct export_cursor {
    std::string after_email;
    std::string after_stream;
};

struct export_page {
    std::size_t written = 0;
    /// Where the next page starts; nothing when the list has no more entries.
    std::optional<export_cursor> next;
};

/// Writes up to `max_rows` entries that match `filter` (its reason, stream and cursor; its
/// limit is ignored), reading the store max_page_size at a time.
export_page export_entries(storage::store& store, entry_writer& writer,
                           storage::suppression_filter filter, std::size_t max_rows);

/// Writes every entry matching `reason` and `stream` (each when given) to `out` in `format`;
/// how many.
std::size_t export_list(storage::store& store, std::ostream& out, list_format format,
                        const std::optional<std::string>& stream,
                        const std::optional<std::string>& reason);

} // namespace mailgate::core::suppression_list
