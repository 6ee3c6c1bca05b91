#include "core/suppression_list/list_format.hpp"

#include "core/encoding/ascii.hpp"

#include <string>

namespace mailgate::core::suppression_list {

std::optional<list_format> parse_list_format(std::string_view name)
{
    if (name == "csv") {
        return list_format::csv;
    }
    if (name == "jsonl" || name == "ndjson") {
        return list_format::jsonl;
    }
    return std::nullopt;
}

std::optional<list_format> format_of_file(std::string_view file_name)
{
    const auto dot = file_name.rfind('.');
    if (dot == std::string_view::npos) {
        return std::nullopt;
    }
    return parse_list_format(encoding::ascii_lower(file_name.substr(dot + 1)));
}

std::string_view media_type(list_format format)
{
    return format == list_format::csv ? "text/csv; charset=utf-8" : "application/x-ndjson";
}

} // namespace mailgate::core::suppression_list
