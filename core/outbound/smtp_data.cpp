#include "core/outbound/smtp_data.hpp"

namespace mailgate::core::outbound {

smtp_data make_smtp_data(std::string_view message)
{
    smtp_data data;
    data.wire.reserve(message.size() + message.size() / 64 + 5);
    std::size_t stuffed = 0;
    bool line_start = true;
    for (std::size_t i = 0; i < message.size(); ++i) {
        const char c = message[i];
        if (c == '\r' || c == '\n') {
            if (c == '\r' && i + 1 < message.size() && message[i + 1] == '\n') {
                ++i;
            }
            data.wire += "\r\n";
            line_start = true;
            continue;
        }
        if (line_start && c == '.') {
            data.wire += '.';
            ++stuffed;
        }
        data.eight_bit = data.eight_bit || static_cast<unsigned char>(c) > 127;
        data.wire += c;
        line_start = false;
    }
    if (!line_start) {
        data.wire += "\r\n";
    }
    data.message_size = data.wire.size() - stuffed;
    data.wire += ".\r\n";
    return data;
}

} // namespace mailgate::core::outbound
