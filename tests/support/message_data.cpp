#include "tests/support/message_data.hpp"

namespace mailgate::testing {

message_data::message_data(std::size_t size_limit) : size_limit_(size_limit) {}

void message_data::add(const received_line& line)
{
    ++lines_;
    if (line.too_long) {
        line_too_long_ = true;
        return;
    }
    std::string_view text = line.text;
    if (text.starts_with('.')) {
        text.remove_prefix(1);
    }
    octets_ += text.size() + 2;
    if (octets_ <= size_limit_) {
        text_.append(text).append("\r\n");
    }
}

std::optional<std::string> message_data::refusal() const
{
    if (line_too_long_) {
        return "500 5.5.2 line too long";
    }
    if (octets_ > size_limit_) {
        return "552 5.3.4 Message size exceeds fixed maximum message size";
    }
    return std::nullopt;
}

std::string message_data::take()
{
    return std::move(text_);
}

std::string message_data::summary() const
{
    return "C: <message data: " + std::to_string(lines_) + " lines, " + std::to_string(octets_) +
           " octets>";
}

} // namespace mailgate::testing
