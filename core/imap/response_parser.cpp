#include "core/imap/response_parser.hpp"

#include "core/imap/value_reader.hpp"

#include <limits>
#include <utility>

namespace mailgate::core::imap {
namespace {

std::string upper(std::string_view text)
{
    std::string out(text);
    for (char& c : out) {
        if (c >= 'a' && c <= 'z') {
            c = static_cast<char>(c - 'a' + 'A');
        }
    }
    return out;
}

// The size a line announces with `{n}`, `{n+}` or `~{n}` at its end (RFC 3501 §4.3, RFC 7888,
// RFC 3516), or nothing.
std::optional<uint64_t> announced_literal(std::string_view line)
{
    if (line.empty() || line.back() != '}') {
        return std::nullopt;
    }
    const auto open = line.rfind('{');
    if (open == std::string_view::npos) {
        return std::nullopt;
    }
    auto digits = line.substr(open + 1, line.size() - open - 2);
    if (!digits.empty() && digits.back() == '+') {
        digits.remove_suffix(1);
    }
    const bool all_digits =
        !digits.empty() && digits.find_first_not_of("0123456789") == std::string_view::npos;
    if (!all_digits) {
        return std::nullopt;
    }
    const auto size = parse_number(digits, std::numeric_limits<uint64_t>::max());
    if (!size) {
        throw imap_protocol_error("a literal's size does not fit in 64 bits");
    }
    return size;
}

// The next word up to a space, moving `offset` past it and the space.
std::string_view word_at(std::string_view line, std::size_t& offset)
{
    const auto start = offset;
    const auto end = line.find(' ', start);
    offset = end == std::string_view::npos ? line.size() : end + 1;
    return line.substr(start, (end == std::string_view::npos ? line.size() : end) - start);
}

// "[CODE args] text" or "text" (RFC 3501 §7.1).
void read_status_text(std::string_view rest, imap_response& out)
{
    if (!rest.empty() && rest.front() == '[') {
        const auto close = rest.find(']');
        if (close == std::string_view::npos) {
            throw imap_protocol_error("a response code is not closed");
        }
        out.code = std::string(rest.substr(1, close - 1));
        rest.remove_prefix(close + 1);
        if (!rest.empty() && rest.front() == ' ') {
            rest.remove_prefix(1);
        }
    }
    out.text = std::string(rest);
}

std::vector<std::string> words_of(std::string_view rest, bool upper_case)
{
    std::vector<std::string> out;
    std::size_t offset = 0;
    while (offset < rest.size()) {
        const auto w = word_at(rest, offset);
        if (!w.empty()) {
            out.push_back(upper_case ? upper(w) : std::string(w));
        }
    }
    return out;
}

uint64_t number_value(const imap_value& v, uint64_t max, std::string_view what)
{
    const auto n = v.kind == imap_value::type::atom ? parse_number(v.text, max) : std::nullopt;
    if (!n) {
        throw imap_protocol_error("FETCH " + std::string(what) + " is not a number");
    }
    return *n;
}

void read_fetch_item(const std::string& name, const imap_value& v, fetch_data& out)
{
    if (name == "UID") {
        out.uid =
            static_cast<uint32_t>(number_value(v, std::numeric_limits<uint32_t>::max(), name));
    } else if (name == "RFC822.SIZE") {
        out.size = number_value(v, std::numeric_limits<uint64_t>::max(), name);
    } else if (name == "FLAGS") {
        if (v.kind != imap_value::type::list) {
            throw imap_protocol_error("FETCH FLAGS is not a list");
        }
        for (const auto& flag : v.items) {
            out.flags.push_back(flag.text);
        }
    } else if (name == "BODY[]") {
        if (v.kind == imap_value::type::string) {
            out.body = v.text;
        } else if (v.kind != imap_value::type::nil) {
            throw imap_protocol_error("FETCH BODY[] is not a string");
        }
    }
}

fetch_data read_fetch(value_reader& values, uint32_t sequence)
{
    const auto items = values.next();
    if (items.kind != imap_value::type::list || items.items.size() % 2 != 0) {
        throw imap_protocol_error("FETCH data is not a list of names and values");
    }
    fetch_data out;
    out.sequence = sequence;
    for (std::size_t i = 0; i < items.items.size(); i += 2) {
        const auto& name = items.items[i];
        if (name.kind != imap_value::type::atom) {
            throw imap_protocol_error("a FETCH item's name is not an atom");
        }
        read_fetch_item(upper(name.text), items.items[i + 1], out);
    }
    return out;
}

void read_data(const std::vector<std::string>& lines, const std::vector<std::string>& literals,
               std::size_t offset, imap_response& out)
{
    const std::string_view line = lines.front();
    const auto rest = line.substr(offset);
    if (out.is_status()) {
        read_status_text(rest, out);
    } else if (out.name == "CAPABILITY") {
        out.words = words_of(rest, true);
    } else if (out.name == "SEARCH") {
        out.words = words_of(rest, false);
    } else if (out.name == "FETCH") {
        if (!out.number) {
            throw imap_protocol_error("FETCH without a message number");
        }
        value_reader values(lines, literals, offset);
        out.fetch = read_fetch(values, *out.number);
    }
}

imap_response read_untagged(const std::vector<std::string>& lines,
                            const std::vector<std::string>& literals)
{
    const std::string_view line = lines.front();
    imap_response out;
    out.kind = imap_response::type::untagged;
    std::size_t offset = 2;
    auto first = word_at(line, offset);
    if (const auto n = parse_number(first, std::numeric_limits<uint32_t>::max())) {
        out.number = static_cast<uint32_t>(*n);
        first = word_at(line, offset);
    }
    if (first.empty()) {
        throw imap_protocol_error("an untagged response without a name");
    }
    out.name = upper(first);
    read_data(lines, literals, offset, out);
    return out;
}

imap_response read_tagged(const std::vector<std::string>& lines)
{
    const std::string_view line = lines.front();
    imap_response out;
    out.kind = imap_response::type::tagged;
    std::size_t offset = 0;
    out.tag = std::string(word_at(line, offset));
    out.name = upper(word_at(line, offset));
    if (out.tag.empty() || (out.name != "OK" && out.name != "NO" && out.name != "BAD")) {
        throw imap_protocol_error("a tagged response is not OK, NO or BAD");
    }
    read_status_text(line.substr(offset), out);
    return out;
}

} // namespace

imap_response read_response(const std::vector<std::string>& lines,
                            const std::vector<std::string>& literals)
{
    if (lines.empty() || lines.front().empty()) {
        throw imap_protocol_error("an empty response");
    }
    const std::string_view line = lines.front();
    if (line.front() == '+') {
        imap_response out;
        out.kind = imap_response::type::continuation;
        out.text = std::string(line.substr(line.size() > 1 && line[1] == ' ' ? 2 : 1));
        return out;
    }
    if (line.starts_with("* ")) {
        return read_untagged(lines, literals);
    }
    return read_tagged(lines);
}

response_parser::response_parser(response_limits limits) : limits_(limits) {}

void response_parser::feed(std::string_view bytes)
{
    while (!bytes.empty()) {
        if (in_literal_) {
            const auto n = std::min(literal_left_, bytes.size());
            current_.literals.back().append(bytes.substr(0, n));
            bytes.remove_prefix(n);
            literal_left_ -= n;
            in_literal_ = literal_left_ > 0;
            continue;
        }
        const auto end = bytes.find('\n');
        const auto piece = bytes.substr(0, end == std::string_view::npos ? bytes.size() : end);
        check_line_bytes(partial_line_.size() + piece.size());
        partial_line_.append(piece);
        if (end == std::string_view::npos) {
            return;
        }
        bytes.remove_prefix(end + 1);
        if (!partial_line_.empty() && partial_line_.back() == '\r') {
            partial_line_.pop_back();
        }
        take_line(std::exchange(partial_line_, {}));
    }
}

void response_parser::check_line_bytes(std::size_t more) const
{
    if (current_.line_bytes + more > limits_.max_line) {
        throw imap_protocol_error("a response's lines are over " +
                                  std::to_string(limits_.max_line) + " bytes");
    }
}

void response_parser::take_line(std::string line)
{
    const auto literal = announced_literal(line);
    current_.line_bytes += line.size();
    current_.lines.push_back(std::move(line));
    if (!literal) {
        complete_.push_back(std::exchange(current_, {}));
        return;
    }
    if (*literal > limits_.max_literal) {
        throw imap_protocol_error("a literal of " + std::to_string(*literal) +
                                  " bytes is over the bound of " +
                                  std::to_string(limits_.max_literal));
    }
    if (current_.literals.size() >= limits_.max_literals) {
        throw imap_protocol_error("a response has more than " +
                                  std::to_string(limits_.max_literals) + " literals");
    }
    current_.literals.emplace_back();
    literal_left_ = static_cast<std::size_t>(*literal);
    in_literal_ = literal_left_ > 0;
}

std::optional<imap_response> response_parser::next()
{
    if (complete_.empty()) {
        return std::nullopt;
    }
    const auto f = std::move(complete_.front());
    complete_.pop_front();
    return read_response(f.lines, f.literals);
}

bool response_parser::has_pending() const noexcept
{
    return !complete_.empty() || !partial_line_.empty() || !current_.lines.empty();
}

} // namespace mailgate::core::imap
