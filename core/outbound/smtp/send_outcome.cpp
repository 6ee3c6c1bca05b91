#include "core/outbound/smtp/send_outcome.hpp"

#include <boost/algorithm/string/find.hpp>

namespace mailgate::core::outbound::smtp {

// Postfix, Exim and most ESPs say "queued as <id>"; others (Gmail) put the id in free text.
std::string provider_message_id(const smtp_reply& accepted)
{
    std::string text;
    for (const auto& line : accepted.lines) {
        if (!text.empty()) {
            text += ' ';
        }
        text += line;
    }
    constexpr std::string_view marker = "queued as ";
    const auto found = boost::algorithm::ifind_first(text, marker);
    if (found.empty()) {
        return text;
    }
    const auto start = static_cast<std::size_t>(found.end() - text.begin());
    const auto end = text.find(' ', start);
    return text.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

} // namespace mailgate::core::outbound::smtp
