#pragma once

// A suppression list read from a file, one row at a time: CSV (RFC 4180, a header line naming
// the columns) or JSON lines. Memory stays bounded whatever the file's size: a row is at most
// max_row_bytes, and a longer one is refused and skipped, never buffered. Each row becomes an
// entry, checked and in canonical form, or a refusal with the file's line number and why
// (docs/suppression-list.md).

#include "core/storage/store.hpp"
#include "core/suppression_list/list_format.hpp"

#include <cstddef>
#include <functional>
#include <istream>
#include <optional>
#include <set>
#include <string>

namespace mailgate::core::suppression_list {

/// The longest row (a line, or a CSV record whose quoted fields span lines), without its end.
inline constexpr std::size_t max_row_bytes = 4096;
inline constexpr std::size_t max_email_bytes = 320;
inline constexpr std::size_t max_note_bytes = 500;
/// reason, provider, source: words, not prose.
inline constexpr std::size_t max_label_bytes = 100;

/// The stream names a list may use besides "*" (the configuration's suppression.streams).
using stream_set = std::set<std::string, std::less<>>;

/// One row of the file: the entry it gives, or why it was refused.
struct read_row {
    std::size_t line = 0; ///< the file's line (1-based) where the row starts
    std::optional<storage::suppression> entry;
    std::string why; ///< when entry is empty
};

class entry_reader {
public:
    /// Reads from `in`, which must outlive the reader. Entries whose stream is neither "*" nor
    /// in `streams` are refused.
    entry_reader(std::istream& in, list_format format, stream_set streams);

    /// The next row, or nothing at the end of the file. A CSV header that cannot be read (an
    /// unknown or repeated column, no email column, no header at all) is one refusal at line 1
    /// and the end: no row of the file can be read without it.
    std::optional<read_row> next();

    /// The last line read so far (0 before the first).
    std::size_t line() const noexcept { return line_; }

private:
    enum class line_status { line, too_long, end };

    line_status read_line(std::string& out);
    std::optional<read_row> next_csv(std::string record, std::size_t start);
    std::optional<read_row> read_header(const std::string& record);
    read_row next_json(const std::string& text, std::size_t start);

    std::streambuf& in_;
    list_format format_;
    stream_set streams_;
    std::size_t line_ = 0;
    bool finished_ = false;
    bool header_read_ = false;
    /// CSV: for each field of a row, the column (an index of `columns`) its header names.
    std::vector<std::size_t> header_;
};

} // namespace mailgate::core::suppression_list
