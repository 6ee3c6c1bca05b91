#include "tests/support/line_buffer.hpp"

namespace mailgate::testing {

line_buffer::line_buffer(std::size_t max_line) : max_line_(max_line) {}

void line_buffer::append(std::string_view bytes)
{
    pending_.append(bytes);
}

std::optional<received_line> line_buffer::next()
{
    const auto end = pending_.find('\n');
    if (end == std::string::npos) {
        // No line end within the limit: the line is too long whatever follows.
        if (pending_.size() >= max_line_) {
            discarding_ = true;
            pending_.clear();
        }
        return std::nullopt;
    }
    received_line line;
    line.too_long = discarding_ || end + 1 > max_line_;
    if (!line.too_long) {
        line.text = pending_.substr(0, end);
        if (line.text.ends_with('\r')) {
            line.text.pop_back();
        }
    }
    pending_.erase(0, end + 1);
    discarding_ = false;
    return line;
}

void line_buffer::clear()
{
    pending_.clear();
    discarding_ = false;
}

} // namespace mailgate::testing
