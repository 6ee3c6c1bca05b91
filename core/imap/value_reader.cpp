#include "core/imap/value_reader.hpp"

#include "core/imap/response_parser.hpp"

namespace mailgate::core::imap {

std::optional<uint64_t> parse_number(std::string_view text, uint64_t max)
{
    if (text.empty() || text.size() > 20) {
        return std::nullopt;
    }
    uint64_t value = 0;
    for (const char c : text) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        const auto digit = static_cast<uint64_t>(c - '0');
        if (value > (max - digit) / 10) {
            return std::nullopt;
        }
        value = value * 10 + digit;
    }
    return value;
}

value_reader::value_reader(const std::vector<std::string>& lines,
                           const std::vector<std::string>& literals, std::size_t offset)
    : lines_(&lines), literals_(&literals), offset_(offset)
{
}

imap_value value_reader::next()
{
    return read(0);
}

bool value_reader::at_end()
{
    skip_spaces();
    return offset_ >= line().size() && line_ + 1 >= lines_->size();
}

void value_reader::skip_spaces()
{
    while (offset_ < line().size() && line()[offset_] == ' ') {
        ++offset_;
    }
}

imap_value value_reader::read(std::size_t depth)
{
    skip_spaces();
    if (offset_ >= line().size()) {
        throw imap_protocol_error("a value was expected at the end of a line");
    }
    switch (line()[offset_]) {
    case '(':
        return read_list(depth);
    case '"':
        return read_quoted();
    case '{':
    case '~':
        return read_literal();
    default:
        return read_atom();
    }
}

imap_value value_reader::read_list(std::size_t depth)
{
    if (depth >= max_depth) {
        throw imap_protocol_error("lists nested too deep");
    }
    ++offset_;
    imap_value list{imap_value::type::list, {}, {}};
    for (;;) {
        skip_spaces();
        if (offset_ >= line().size()) {
            throw imap_protocol_error("a list is not closed");
        }
        if (line()[offset_] == ')') {
            ++offset_;
            return list;
        }
        list.items.push_back(read(depth + 1));
    }
}

imap_value value_reader::read_quoted()
{
    std::string text;
    for (++offset_; offset_ < line().size(); ++offset_) {
        char c = line()[offset_];
        if (c == '"') {
            ++offset_;
            return {imap_value::type::string, std::move(text), {}};
        }
        if (c == '\\') {
            if (++offset_ >= line().size()) {
                break;
            }
            c = line()[offset_];
        }
        text.push_back(c);
    }
    throw imap_protocol_error("a quoted string is not closed");
}

// The framing took the literal's bytes: the line ends with its `{n}`, and the bytes are the
// literal that follows the line.
imap_value value_reader::read_literal()
{
    const auto rest = line().substr(offset_);
    const bool whole = rest.size() >= 3 && rest.back() == '}';
    if (!whole || line_ >= literals_->size() || line_ + 1 >= lines_->size()) {
        throw imap_protocol_error("a literal is malformed");
    }
    imap_value value{imap_value::type::string, (*literals_)[line_], {}};
    ++line_;
    offset_ = 0;
    return value;
}

imap_value value_reader::read_atom()
{
    const auto start = offset_;
    for (; offset_ < line().size(); ++offset_) {
        const char c = line()[offset_];
        if (c == ' ' || c == '(' || c == ')' || c == '"' || c == '{') {
            break;
        }
        // A section (BODY[HEADER.FIELDS (FROM)]) is part of its atom, spaces and all.
        if (c == '[') {
            const auto close = line().find(']', offset_);
            if (close == std::string_view::npos) {
                throw imap_protocol_error("a section is not closed");
            }
            offset_ = close;
        }
    }
    if (offset_ == start) {
        throw imap_protocol_error("an unexpected character where a value was expected");
    }
    std::string text(line().substr(start, offset_ - start));
    if (text.size() == 3 && (text[0] | 0x20) == 'n' && (text[1] | 0x20) == 'i' &&
        (text[2] | 0x20) == 'l') {
        return {imap_value::type::nil, {}, {}};
    }
    return {imap_value::type::atom, std::move(text), {}};
}

} // namespace mailgate::core::imap
