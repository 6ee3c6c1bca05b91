#include "tests/support/smtp_reply.hpp"

#include <boost/algorithm/string/split.hpp>

namespace mailgate::testing {

std::vector<std::string> format_reply(std::string_view reply)
{
    std::vector<std::string> lines;
    boost::algorithm::split(lines, reply, [](char c) { return c == '\n'; });
    for (std::size_t i = 0; i < lines.size(); ++i) {
        auto& line = lines[i];
        if (line.ends_with('\r')) {
            line.pop_back();
        }
        const char separator = i + 1 < lines.size() ? '-' : ' ';
        if (line.size() <= 3) {
            line.push_back(separator);
        } else {
            line[3] = separator;
        }
    }
    return lines;
}

bool is_positive(std::string_view reply)
{
    return reply.starts_with('2') || reply.starts_with('3');
}

} // namespace mailgate::testing
