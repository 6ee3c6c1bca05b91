#include "core/outbound/smtp/smtp_reply.hpp"

namespace mailgate::core::outbound::smtp {

std::string smtp_reply::str() const
{
    std::string text = std::to_string(code);
    if (!enhanced.empty()) {
        text += ' ';
        text += enhanced;
    }
    for (const auto& line : lines) {
        if (!line.empty()) {
            text += ' ';
            text += line;
        }
    }
    return text;
}

} // namespace mailgate::core::outbound::smtp
