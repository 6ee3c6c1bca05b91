#include "core/outbound/smtp_data.hpp"

#include "core/encoding/utf8.hpp"

#include <algorithm>

namespace mailgate::core::outbound {

// Line by line rather than octet by octet: a message is mostly long runs without a break.
smtp_data make_smtp_data(std::string_view message)
{
    smtp_data data;
    data.wire.reserve(message.size() + message.size() / 64 + 5);
    data.eight_bit = !encoding::is_ascii(message);
    std::size_t stuffed = 0;
    for (auto line = message.begin(); line != message.end();) {
        const auto end =
            std::find_if(line, message.end(), [](char c) { return c == '\r' || c == '\n'; });
        if (line != end && *line == '.') {
            data.wire += '.';
            ++stuffed;
        }
        data.wire.append(line, end).append("\r\n");
        if (end == message.end()) {
            break;
        }
        const bool crlf = *end == '\r' && end + 1 != message.end() && end[1] == '\n';
        line = end + (crlf ? 2 : 1);
    }
    data.message_size = data.wire.size() - stuffed;
    data.wire += ".\r\n";
    return data;
}

} // namespace mailgate::core::outbound
