#pragma once

// A list file into the store: read row by row (entry_reader) and applied in chunks, each chunk
// one transaction (store::put_suppressions), so that memory stays bounded whatever the file's
// size. When the store fails, the import stops and says which lines are applied: it resumes
// from the next one (import_options::from_line), and re-applying a line is harmless (put
// replaces the entry).

#include "core/storage/store.hpp"
#include "core/suppression_list/entry_reader.hpp"

#include <cstddef>
#include <istream>
#include <optional>
#include <string>
#include <vector>

namespace mailgate::core::suppression_list {

/// The refusals a report lists; beyond them it only counts.
inline constexpr std::size_t max_listed_refusals = 1000;
inline constexpr std::size_t default_chunk_size = 10000;

struct import_options {
    list_format format = list_format::csv;
    stream_set streams;
    /// Who asked: each entry's source is "import:<who>".
    std::string who;
    /// Rows that start before this line are skipped: a resumed import's lines already applied.
    std::size_t from_line = 1;
    std::size_t chunk_size = default_chunk_size;
    /// Each entry's created_at (Unix ms); 0: the time the import starts.
    int64_t now = 0;
};

struct refusal {
    std::size_t line = 0;
    std::string why;
};

struct import_report {
    std::size_t taken = 0;         ///< entries applied by this run
    std::size_t refused = 0;       ///< rows refused, listed or not
    std::size_t skipped = 0;       ///< rows before from_line
    std::vector<refusal> refusals; ///< the first max_listed_refusals, in file order
    /// Every line up to this one is applied (or refused): a resumed import starts after it.
    std::size_t last_line_committed = 0;
    /// Why the import stopped before the end (the store failed); nothing when it read it all.
    std::optional<std::string> failure;

    bool complete() const noexcept { return !failure && refused == 0; }
};

/// Reads `in` to its end, or until the store fails (then nothing past last_line_committed is
/// applied). Blocks on the store: not on a thread that serves others.
import_report import_list(storage::store& store, std::istream& in, const import_options& options);

} // namespace mailgate::core::suppression_list
