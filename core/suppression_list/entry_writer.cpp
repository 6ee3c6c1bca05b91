#include "core/suppression_list/entry_writer.hpp"

#include "core/base/iso_time.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <array>
#include <iterator>

namespace mailgate::core::suppression_list {
namespace {

std::string time_text(int64_t ms)
{
    return ms == 0 ? std::string() : base::format_iso_time(ms);
}

// The values in the order of `columns`.
std::array<std::string, std::size(columns)> values_of(const storage::suppression& e)
{
    return {e.email, e.stream,   e.reason, time_text(e.expires_at),
            e.note,  e.provider, e.source, time_text(e.created_at)};
}

void write_csv_field(std::ostream& out, std::string_view value)
{
    if (value.find_first_of(",\"\r\n") == std::string_view::npos) {
        out << value;
        return;
    }
    out << '"';
    for (char c : value) {
        out << (c == '"' ? "\"\"" : std::string_view(&c, 1));
    }
    out << '"';
}

} // namespace

entry_writer::entry_writer(std::ostream& out, list_format format) : out_(out), format_(format)
{
    if (format_ == list_format::csv) {
        for (std::size_t i = 0; i < std::size(columns); ++i) {
            out_ << (i == 0 ? "" : ",") << columns[i];
        }
        out_ << "\r\n";
    }
}

void entry_writer::write(const storage::suppression& entry)
{
    const auto values = values_of(entry);
    if (format_ == list_format::csv) {
        for (std::size_t i = 0; i < values.size(); ++i) {
            out_ << (i == 0 ? "" : ",");
            write_csv_field(out_, values[i]);
        }
        out_ << "\r\n";
        return;
    }
    boost::json::object line;
    for (std::size_t i = 0; i < values.size(); ++i) {
        line.emplace(columns[i], values[i]);
    }
    out_ << boost::json::serialize(line) << "\n";
}

} // namespace mailgate::core::suppression_list
