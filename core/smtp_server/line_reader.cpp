#include "core/smtp_server/line_reader.hpp"

namespace mailgate::core::smtp_server {

line_reader::line_reader(std::size_t read_size) : read_size_(read_size) {}

std::span<char> line_reader::prepare()
{
    // Taken lines go first, so that the buffer holds one unfinished line and one read at most.
    buffer_.erase(0, start_);
    start_ = 0;
    filled_ = buffer_.size();
    buffer_.resize(filled_ + read_size_);
    return {buffer_.data() + filled_, read_size_};
}

void line_reader::commit(std::size_t n)
{
    buffer_.resize(filled_ + (n < read_size_ ? n : read_size_));
}

std::optional<line> line_reader::next(std::size_t limit)
{
    const std::string_view view = std::string_view(buffer_).substr(start_);
    const auto lf = view.find('\n');
    if (lf == std::string_view::npos) {
        // Without its end the line is at least one byte longer than what is here.
        if (discarding_ || view.size() >= limit) {
            discarding_ = true;
            if (!view.empty()) {
                last_dropped_cr_ = view.back() == '\r';
            }
            start_ = buffer_.size();
        }
        return std::nullopt;
    }
    const bool crlf = lf > 0 ? view[lf - 1] == '\r' : discarding_ && last_dropped_cr_;
    start_ += lf + 1;
    if (discarding_ || lf + 1 > limit) {
        discarding_ = false;
        return line{{}, crlf, true};
    }
    return line{view.substr(0, crlf ? lf - 1 : lf), crlf, false};
}

void line_reader::clear()
{
    buffer_.clear();
    start_ = 0;
    discarding_ = false;
}

} // namespace mailgate::core::smtp_server
