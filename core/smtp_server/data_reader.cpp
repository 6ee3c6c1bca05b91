#include "core/smtp_server/data_reader.hpp"

namespace mailgate::core::smtp_server {

data_reader::data_reader(std::size_t max_size, bool crlf)
    : max_size_(max_size), previous_crlf_(crlf)
{
}

bool data_reader::add(const line& l)
{
    const bool previous_crlf = previous_crlf_;
    previous_crlf_ = l.crlf;
    if (l.too_long) {
        line_too_long_ = true;
        return false;
    }
    std::string_view text = l.text;
    if (text == "." && l.crlf == previous_crlf) {
        return true;
    }
    if (!text.empty() && text.front() == '.') {
        text.remove_prefix(1);
    }
    if (too_large_ || message_.size() + text.size() + 2 > max_size_) {
        too_large_ = true;
        message_.clear(); // never handed on: give the memory back at once
        message_.shrink_to_fit();
        return false;
    }
    message_.append(text);
    message_.append("\r\n");
    return false;
}

} // namespace mailgate::core::smtp_server
