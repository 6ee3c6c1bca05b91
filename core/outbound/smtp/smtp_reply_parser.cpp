#include "core/outbound/smtp/smtp_reply_parser.hpp"

#include "core/encoding/hex_escape.hpp"

#include <algorithm>

namespace mailgate::core::outbound::smtp {
namespace {

bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

// A line quoted in an error message: its control characters are escaped already.
std::string shortened(std::string_view line)
{
    constexpr std::size_t shown = 80;
    return std::string(line.substr(0, shown)) + (line.size() > shown ? "..." : "");
}

// "DDD", "DDD text" or "DDD-text", the first digit 2 to 5 (RFC 5321 §4.2).
bool is_reply_line(std::string_view line)
{
    return line.size() >= 3 && line[0] >= '2' && line[0] <= '5' && is_digit(line[1]) &&
           is_digit(line[2]) && (line.size() == 3 || line[3] == ' ' || line[3] == '-');
}

std::size_t digits_at(std::string_view text, std::size_t at)
{
    std::size_t n = 0;
    while (at + n < text.size() && is_digit(text[at + n])) {
        ++n;
    }
    return n;
}

// RFC 3463: class "." subject "." detail, subject and detail of 1 to 3 digits, the class the
// same as the reply code's. Anything else is ordinary text.
std::string_view enhanced_code(std::string_view text, char reply_class)
{
    if (text.size() < 5 || text[0] != reply_class || text[1] != '.') {
        return {};
    }
    const auto subject = digits_at(text, 2);
    if (subject < 1 || subject > 3 || 2 + subject >= text.size() || text[2 + subject] != '.') {
        return {};
    }
    const auto detail_at = 3 + subject;
    const auto detail = digits_at(text, detail_at);
    const auto end = detail_at + detail;
    if (detail < 1 || detail > 3 || (end < text.size() && text[end] != ' ')) {
        return {};
    }
    return text.substr(0, end);
}

std::string_view text_of(std::string_view line)
{
    return line.size() > 4 ? line.substr(4) : std::string_view{};
}

std::string without_code(std::string_view text, std::string_view code)
{
    if (code.empty() || !text.starts_with(code)) {
        return std::string(text);
    }
    text.remove_prefix(code.size());
    if (text.starts_with(' ')) {
        text.remove_prefix(1);
    }
    return std::string(text);
}

} // namespace

void smtp_reply_parser::feed(std::string_view bytes)
{
    buffer_.append(bytes);
}

std::optional<smtp_reply> smtp_reply_parser::next()
{
    while (auto line = take_line()) {
        if (!is_reply_line(*line)) {
            throw smtp_protocol_error("malformed reply line from the server: \"" +
                                      shortened(*line) + "\"");
        }
        if (!pending_.empty() && line->compare(0, 3, pending_.front(), 0, 3) != 0) {
            throw smtp_protocol_error("a multi-line reply changed its code: \"" + shortened(*line) +
                                      "\"");
        }
        if (pending_.size() == max_lines) {
            throw smtp_protocol_error("a reply of more than " + std::to_string(max_lines) +
                                      " lines");
        }
        const bool last = line->size() == 3 || (*line)[3] == ' ';
        pending_.push_back(std::move(*line));
        if (last) {
            return finish_reply();
        }
    }
    return std::nullopt;
}

// Takes CRLF-ended lines, and bare-LF-ended ones from lenient servers. Their text goes into
// transcripts, last_reply, events and logs: a bare CR or an escape sequence is escaped here,
// where server bytes come in, once.
std::optional<std::string> smtp_reply_parser::take_line()
{
    const auto end = buffer_.find('\n');
    if (end == std::string::npos) {
        if (buffer_.size() > max_line_length) {
            throw smtp_protocol_error("a reply line longer than " +
                                      std::to_string(max_line_length) + " bytes");
        }
        return std::nullopt;
    }
    if (end + 1 > max_line_length) {
        throw smtp_protocol_error("a reply line longer than " + std::to_string(max_line_length) +
                                  " bytes");
    }
    std::string line = buffer_.substr(0, end);
    buffer_.erase(0, end + 1);
    if (line.ends_with('\r')) {
        line.pop_back();
    }
    return encoding::escape_controls(line);
}

smtp_reply smtp_reply_parser::finish_reply()
{
    smtp_reply reply;
    reply.code = std::stoi(pending_.front().substr(0, 3));
    reply.enhanced = enhanced_code(text_of(pending_.front()), pending_.front()[0]);
    for (const auto& line : pending_) {
        reply.lines.push_back(without_code(text_of(line), reply.enhanced));
    }
    raw_lines_ = std::move(pending_);
    pending_.clear();
    return reply;
}

} // namespace mailgate::core::outbound::smtp
