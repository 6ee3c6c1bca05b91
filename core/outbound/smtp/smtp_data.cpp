#include "core/outbound/smtp/smtp_data.hpp"

#include "core/encoding/utf8.hpp"

#include <cstddef>
#include <cstring>

namespace mailgate::core::outbound::smtp {

namespace {

constexpr std::string_view end_of_data = ".\r\n";

// The first CR or LF from `from`: memchr for each, as a message is mostly long runs without a
// break and memchr takes them many bytes at a time.
std::string_view::const_iterator line_end(std::string_view message,
                                          std::string_view::const_iterator from)
{
    const auto rest = static_cast<std::size_t>(message.end() - from);
    const auto* lf = static_cast<const char*>(std::memchr(&*from, '\n', rest));
    const auto before_lf = lf == nullptr ? rest : static_cast<std::size_t>(lf - &*from);
    const auto* cr = static_cast<const char*>(std::memchr(&*from, '\r', before_lf));
    const auto offset = cr != nullptr ? static_cast<std::size_t>(cr - &*from) : before_lf;
    return from + static_cast<std::ptrdiff_t>(offset);
}

// Whether `text`, starting a line, is whole CRLF lines none of which starts with ".": what it
// sends is then what it is.
bool needs_no_change(std::string_view text)
{
    for (auto line = text.begin(); line != text.end();) {
        const auto end = line_end(text, line);
        const bool crlf =
            end != text.end() && *end == '\r' && end + 1 != text.end() && end[1] == '\n';
        if (*line == '.' || !crlf) {
            return false;
        }
        line = end + 2;
    }
    return true;
}

std::string stuff(std::string_view message, std::size_t& stuffed)
{
    std::string wire;
    wire.reserve(message.size() + message.size() / 64 + 5);
    for (auto line = message.begin(); line != message.end();) {
        const auto end = line_end(message, line);
        if (line != end && *line == '.') {
            wire += '.';
            ++stuffed;
        }
        wire.append(line, end).append("\r\n");
        if (end == message.end()) {
            break;
        }
        const bool crlf = *end == '\r' && end + 1 != message.end() && end[1] == '\n';
        line = end + (crlf ? 2 : 1);
    }
    return wire;
}

} // namespace

std::vector<std::string_view> smtp_data::wire() const
{
    if (!stuffed.empty()) {
        return {stuffed};
    }
    auto out = as_given;
    out.push_back(end_of_data);
    return out;
}

smtp_data make_smtp_data(std::string_view head, std::string_view entity)
{
    smtp_data data;
    data.eight_bit = !encoding::is_ascii(head) || !encoding::is_ascii(entity);
    if (needs_no_change(head) && needs_no_change(entity)) {
        for (const auto part : {head, entity}) {
            if (!part.empty()) {
                data.as_given.push_back(part);
            }
        }
        data.message_size = head.size() + entity.size();
        return data;
    }
    std::size_t stuffed = 0;
    data.stuffed = stuff(std::string(head).append(entity), stuffed);
    data.message_size = data.stuffed.size() - stuffed;
    data.stuffed += end_of_data;
    return data;
}

} // namespace mailgate::core::outbound::smtp
