#include "core/suppression_list/entry_reader.hpp"

#include "core/addressing/address.hpp"
#include "core/base/iso_time.hpp"
#include "core/encoding/ascii.hpp"
#include "core/encoding/utf8.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <iterator>

namespace mailgate::core::suppression_list {
namespace {

namespace json = boost::json;

constexpr std::size_t column_count = std::size(columns);
enum column_index : std::size_t {
    email_column,
    stream_column,
    reason_column,
    expires_at_column,
    note_column,
    provider_column,
    source_column,
    created_at_column
};

/// One row's values by column; absent when the row does not give it.
using row_fields = std::array<std::optional<std::string>, column_count>;

constexpr std::string_view byte_order_mark = "\xEF\xBB\xBF";

std::optional<std::size_t> column_of(std::string_view name)
{
    const auto* it = std::find(std::begin(columns), std::end(columns), name);
    return it == std::end(columns) ? std::nullopt
                                   : std::optional<std::size_t>(it - std::begin(columns));
}

std::string column_list()
{
    std::string out;
    for (auto name : columns) {
        out += out.empty() ? "" : ", ";
        out += name;
    }
    return out;
}

// A value quoted in a refusal: short, and UTF-8 whatever the file held, so reports stay small
// and printable.
std::string quoted(std::string_view value)
{
    constexpr std::size_t shown = 64;
    std::string out = encoding::to_valid_utf8(value.substr(0, shown));
    return "'" + out + (value.size() > shown ? "...'" : "'");
}

bool has_control(std::string_view text)
{
    return std::any_of(text.begin(), text.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

read_row refused(std::size_t line, std::string why)
{
    return {line, std::nullopt, std::move(why)};
}

// Unix milliseconds, an RFC 3339 time, or empty (0: never / not given).
std::optional<int64_t> parse_time(std::string_view text)
{
    if (text.empty()) {
        return 0;
    }
    int64_t ms = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
    if (ec == std::errc() && end == text.data() + text.size()) {
        return ms >= 0 && ms <= base::max_iso_seconds * 1000 + 999 ? std::optional(ms)
                                                                   : std::nullopt;
    }
    return base::parse_iso_time(text);
}

std::string check_email(std::string_view text, std::string& out)
{
    if (text.empty()) {
        return "no email";
    }
    if (text.size() > max_email_bytes) {
        return "the email is longer than " + std::to_string(max_email_bytes) + " bytes";
    }
    try {
        if (text.starts_with("*@")) {
            // A domain entry: the domain checked and written as an address's would be.
            const auto domain = text.substr(2);
            if (domain.empty() || domain.front() == '[') {
                return "a domain entry needs a domain name after '*@': " + quoted(text);
            }
            out = "*@" + addressing::parse_address("postmaster@" + std::string(domain)).domain;
        } else {
            out = addressing::canonical_email(addressing::parse_address(text));
        }
    } catch (const addressing::address_error& e) {
        return "not an e-mail address " + quoted(text) + ": " + e.what();
    }
    return {};
}

std::string check_stream(std::string_view text, const stream_set& streams, std::string& out)
{
    if (text.empty() || text == "*") {
        out = "*";
        return {};
    }
    if (!streams.contains(text)) {
        std::string known = "*";
        for (const auto& s : streams) {
            known += ", " + s;
        }
        return "unknown stream " + quoted(text) + " (the configured streams: " + known + ")";
    }
    out = text;
    return {};
}

std::string check_label(std::string_view column, std::string_view text, std::string& out)
{
    if (text.size() > max_label_bytes || has_control(text)) {
        return std::string(column) + " must be at most " + std::to_string(max_label_bytes) +
               " bytes without control characters";
    }
    out = text;
    return {};
}

std::string check_time(std::string_view column, std::string_view text, int64_t& out)
{
    auto ms = parse_time(text);
    if (!ms) {
        return std::string(column) + " is not a time: " + quoted(text) +
               " (RFC 3339 like 2027-01-31T00:00:00Z, or Unix milliseconds)";
    }
    out = *ms;
    return {};
}

// The entry a row's values make, or why there is none.
std::string to_entry(const row_fields& f, const stream_set& streams, storage::suppression& out)
{
    for (std::size_t i = 0; i < column_count; ++i) {
        if (f[i] && f[i]->find('\0') != std::string::npos) {
            return std::string(columns[i]) + " holds a NUL byte";
        }
    }
    auto text = [&f](column_index i) {
        return f[i] ? std::string_view(*f[i]) : std::string_view();
    };
    std::string why = check_email(text(email_column), out.email);
    if (why.empty()) {
        why = check_stream(text(stream_column), streams, out.stream);
    }
    if (why.empty()) {
        why = check_label("reason", text(reason_column).empty() ? "manual" : text(reason_column),
                          out.reason);
    }
    if (why.empty()) {
        why = check_label("provider", text(provider_column), out.provider);
    }
    if (why.empty()) {
        why = check_label("source", text(source_column), out.source);
    }
    if (why.empty()) {
        why = check_time("expires_at", text(expires_at_column), out.expires_at);
    }
    if (why.empty()) {
        why = check_time("created_at", text(created_at_column), out.created_at);
    }
    if (why.empty() && text(note_column).size() > max_note_bytes) {
        why = "the note is longer than " + std::to_string(max_note_bytes) + " bytes";
    }
    if (why.empty()) {
        out.note = text(note_column);
    }
    return why;
}

read_row row_of(std::size_t line, const row_fields& fields, const stream_set& streams)
{
    storage::suppression entry;
    std::string why = to_entry(fields, streams, entry);
    if (!why.empty()) {
        return refused(line, std::move(why));
    }
    return {line, std::move(entry), {}};
}

enum class csv_status { ok, open_quote, malformed };

struct csv_fields {
    csv_status status = csv_status::ok;
    std::vector<std::string> fields;
    std::string why; ///< when malformed
};

// RFC 4180 fields of one record (its line end removed): "" escapes a quote within quotes.
csv_fields split_csv(std::string_view s)
{
    csv_fields out;
    std::string field;
    std::size_t i = 0;
    for (;;) {
        if (i < s.size() && s[i] == '"') {
            for (++i;; ++i) {
                if (i >= s.size()) {
                    out.status = csv_status::open_quote;
                    return out;
                }
                if (s[i] == '"' && (i + 1 >= s.size() || s[i + 1] != '"')) {
                    break;
                }
                i += s[i] == '"' ? 1 : 0;
                field += s[i];
            }
            if (++i < s.size() && s[i] != ',') {
                return {csv_status::malformed, {}, "a character after a closing quote"};
            }
        } else {
            for (; i < s.size() && s[i] != ','; ++i) {
                if (s[i] == '"') {
                    return {csv_status::malformed, {}, "a quote inside an unquoted field"};
                }
                field += s[i];
            }
        }
        out.fields.push_back(std::move(field));
        field.clear();
        if (i >= s.size()) {
            return out;
        }
        ++i;
    }
}

std::string_view without_cr(std::string_view record)
{
    return record.ends_with('\r') ? record.substr(0, record.size() - 1) : record;
}

// Checks every row shares before its fields are read.
std::string check_bytes(std::string_view record)
{
    if (record.find('\0') != std::string_view::npos) {
        return "a NUL byte";
    }
    if (!encoding::is_valid_utf8(record)) {
        return "not UTF-8";
    }
    return {};
}

std::string too_long()
{
    return "longer than " + std::to_string(max_row_bytes) + " bytes";
}

} // namespace

entry_reader::entry_reader(std::istream& in, list_format format, stream_set streams)
    : in_(*in.rdbuf()), format_(format), streams_(std::move(streams))
{
}

entry_reader::line_status entry_reader::read_line(std::string& out)
{
    out.clear();
    bool any = false;
    // Two bytes past the limit: a line of max_row_bytes ending in CR still fits, and anything
    // longer is known to be too long without keeping more of it.
    for (int c = in_.sbumpc(); c != std::char_traits<char>::eof(); c = in_.sbumpc()) {
        any = true;
        if (c == '\n') {
            break;
        }
        if (out.size() < max_row_bytes + 2) {
            out.push_back(static_cast<char>(c));
        }
    }
    if (!any) {
        return line_status::end;
    }
    ++line_;
    if (line_ == 1 && std::string_view(out).starts_with(byte_order_mark)) {
        out.erase(0, byte_order_mark.size());
    }
    return without_cr(out).size() > max_row_bytes ? line_status::too_long : line_status::line;
}

std::optional<read_row> entry_reader::next()
{
    std::string text;
    while (!finished_) {
        const auto status = read_line(text);
        if (status == line_status::end) {
            finished_ = true;
            if (format_ == list_format::csv && !header_read_) {
                return refused(1, "no header line (the columns: " + column_list() + ")");
            }
            return std::nullopt;
        }
        if (status == line_status::too_long) {
            if (format_ == list_format::csv && !header_read_) {
                finished_ = true;
            }
            return refused(line_, "the line is " + too_long());
        }
        const bool blank = without_cr(text).find_first_not_of(" \t") == std::string_view::npos;
        if (blank && (format_ == list_format::jsonl || header_read_)) {
            continue;
        }
        if (format_ == list_format::jsonl) {
            return next_json(text, line_);
        }
        return next_csv(std::move(text), line_);
    }
    return std::nullopt;
}

std::optional<read_row> entry_reader::next_csv(std::string record, std::size_t start)
{
    auto split = split_csv(without_cr(record));
    // A quoted field that spans lines: the record goes on, with the line end it had.
    while (split.status == csv_status::open_quote) {
        std::string more;
        const auto status = read_line(more);
        if (status == line_status::end) {
            finished_ = true;
            return refused(start, "a quoted field is not closed before the end of the file");
        }
        record += "\n" + more;
        if (status == line_status::too_long || without_cr(record).size() > max_row_bytes) {
            return refused(start, "the row is " + too_long() + " (a quote not closed?)");
        }
        split = split_csv(without_cr(record));
    }
    if (std::string why = check_bytes(without_cr(record)); !why.empty()) {
        if (!header_read_) {
            finished_ = true;
        }
        return refused(start, std::move(why));
    }
    if (split.status == csv_status::malformed) {
        if (!header_read_) {
            finished_ = true;
        }
        return refused(start, std::move(split.why));
    }
    if (!header_read_) {
        if (auto bad = read_header(record)) {
            return bad;
        }
        return next();
    }
    if (split.fields.size() != header_.size()) {
        return refused(start, std::to_string(split.fields.size()) +
                                  " fields where the header has " + std::to_string(header_.size()));
    }
    row_fields fields;
    for (std::size_t i = 0; i < header_.size(); ++i) {
        fields[header_[i]] = std::move(split.fields[i]);
    }
    return row_of(start, fields, streams_);
}

// Reads the header; nothing when it is good. A bad one ends the file (a refusal at line 1).
std::optional<read_row> entry_reader::read_header(const std::string& record)
{
    header_read_ = true;
    const auto names = split_csv(without_cr(record)).fields;
    std::string why;
    for (const auto& raw : names) {
        const auto name = encoding::ascii_lower(raw);
        const auto column = column_of(name);
        if (!column) {
            why = "unknown column " + quoted(raw) + " (the columns: " + column_list() + ")";
        } else if (std::find(header_.begin(), header_.end(), *column) != header_.end()) {
            why = "the column " + quoted(raw) + " is named twice";
        }
        if (!why.empty()) {
            break;
        }
        header_.push_back(*column);
    }
    if (why.empty() && std::find(header_.begin(), header_.end(), email_column) == header_.end()) {
        why = "no email column in the header";
    }
    if (why.empty()) {
        return std::nullopt;
    }
    finished_ = true;
    return refused(1, std::move(why));
}

read_row entry_reader::next_json(const std::string& text, std::size_t start)
{
    if (std::string why = check_bytes(without_cr(text)); !why.empty()) {
        return refused(start, std::move(why));
    }
    json::error_code ec;
    const json::value value = json::parse(without_cr(text), ec);
    if (ec) {
        return refused(start, "not JSON: " + ec.message());
    }
    if (!value.is_object()) {
        return refused(start, "not a JSON object");
    }
    row_fields fields;
    for (const auto& [key, v] : value.get_object()) {
        const auto column = column_of(key);
        if (!column) {
            return refused(start,
                           "unknown key " + quoted(key) + " (the keys: " + column_list() + ")");
        }
        const bool time = *column == expires_at_column || *column == created_at_column;
        if (v.is_string()) {
            fields[*column] = std::string(v.get_string());
        } else if (time && (v.is_int64() || v.is_uint64())) {
            fields[*column] = json::serialize(v);
        } else if (!v.is_null()) {
            return refused(start, std::string(key) + (time ? " must be a string or an integer"
                                                           : " must be a string"));
        }
    }
    return row_of(start, fields, streams_);
}

} // namespace mailgate::core::suppression_list
