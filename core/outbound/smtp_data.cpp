#include "core/outbound/smtp_data.hpp"

#include "core/encoding/utf8.hpp"

#include <cstddef>
#include <cstring>

namespace mailgate::core::outbound {

namespace {

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

} // namespace

smtp_data make_smtp_data(std::string_view message)
{
    smtp_data data;
    data.wire.reserve(message.size() + message.size() / 64 + 5);
    data.eight_bit = !encoding::is_ascii(message);
    std::size_t stuffed = 0;
    for (auto line = message.begin(); line != message.end();) {
        const auto end = line_end(message, line);
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
