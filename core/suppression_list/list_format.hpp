#pragma once

// The two ways a suppression list is written out and read back (docs/suppression-list.md).

#include <optional>
#include <string_view>

namespace mailgate::core::suppression_list {

enum class list_format {
    csv,  ///< RFC 4180 with a header line, columns by name
    jsonl ///< one JSON object a line (JSON lines, NDJSON)
};

/// "csv" or "jsonl" ("ndjson" too); nothing for any other name.
std::optional<list_format> parse_list_format(std::string_view name);

/// The format a file's name says: .csv, .jsonl or .ndjson (any case); nothing otherwise.
std::optional<list_format> format_of_file(std::string_view file_name);

/// The media type of a page in `format`: text/csv or application/x-ndjson.
std::string_view media_type(list_format format);

/// The columns (CSV) or keys (JSON lines) in the order export writes them.
inline constexpr std::string_view columns[] = {"email", "stream",   "reason", "expires_at",
                                               "note",  "provider", "source", "created_at"};

} // namespace mailgate::core::suppression_list
