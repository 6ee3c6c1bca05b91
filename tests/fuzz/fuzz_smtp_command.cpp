// Bytes as an SMTP client's stream through the bounce listener's syntax: the line reader (fed
// in pieces the way reads deliver them), the command parser and its argument parsers, and the
// message reader after each DATA, as the session chains them.
//
// Input: byte 0 picks the read size (1 to 256 bytes); the rest is what the client sends. The
// message reader gets a small size and line limit (2,000 and 300 bytes) so that 4 KiB inputs
// reach both. The same bytes fed in one read must give the same commands and messages: nothing
// may depend on how the network cut the stream. Each result keeps its header's promises.

#include "core/smtp_server/data_reader.hpp"
#include "core/smtp_server/line_reader.hpp"
#include "core/smtp_server/smtp_command.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace smtp = mailgate::core::smtp_server;

constexpr std::size_t command_limit = 1024;
constexpr std::size_t text_limit = 300;
constexpr std::size_t max_message = 2000;

void check(bool ok)
{
    if (!ok) {
        std::abort();
    }
}

bool has_controls(std::string_view s)
{
    return std::any_of(s.begin(), s.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u < 0x20 || u == 0x7f;
    });
}

// Every LF of a message ends a CR LF, and the message is whole lines.
bool crlf_lines(std::string_view m)
{
    for (std::size_t i = 0; i < m.size(); ++i) {
        if (m[i] == '\n' && (i == 0 || m[i - 1] != '\r')) {
            return false;
        }
    }
    return m.empty() || m.ends_with("\r\n");
}

void check_line(const smtp::line& l, std::size_t limit)
{
    check(l.text.find('\n') == std::string_view::npos);
    check(l.text.size() + (l.crlf ? 2 : 1) <= limit);
    check(!l.too_long || l.text.empty());
}

// What one command's parse gave, as text, to compare two runs.
std::string describe(const smtp::command& c)
{
    std::string out = std::to_string(static_cast<int>(c.verb)) + ":";
    if (c.verb == smtp::verb::unknown) {
        check(c.argument.empty());
    }
    if (c.verb == smtp::verb::mail) {
        auto m = smtp::parse_mail_from(c.argument);
        if (auto* ok = std::get_if<smtp::mail_from>(&m)) {
            check(ok->reverse_path.size() + 2 <= smtp::max_path_length);
            out += "mail<" + ok->reverse_path + ">" + std::to_string(ok->size.value_or(0));
        } else {
            out += "mail-error:" + std::string(std::get<smtp::argument_error>(m).reason);
        }
    } else if (c.verb == smtp::verb::rcpt) {
        auto r = smtp::parse_rcpt_to(c.argument);
        if (auto* ok = std::get_if<smtp::rcpt_to>(&r)) {
            check(!ok->forward_path.empty());
            check(ok->forward_path.size() + 2 <= smtp::max_path_length);
            out += "rcpt<" + ok->forward_path + ">";
        } else {
            out += "rcpt-error";
        }
    } else if (c.verb == smtp::verb::ehlo || c.verb == smtp::verb::helo) {
        const auto name = smtp::parse_helo_name(c.argument);
        check(!name || (!name->empty() && !has_controls(*name)));
        out += name ? std::string(*name) : "-";
    }
    return out;
}

class session_model {
public:
    // Takes every complete line; false when the reader broke a promise.
    void take(smtp::line_reader& reader)
    {
        for (;;) {
            const std::size_t limit = data_ ? text_limit : command_limit;
            const auto l = reader.next(limit);
            if (!l) {
                check(reader.buffered() < limit + 256);
                return;
            }
            check_line(*l, limit);
            if (data_) {
                take_data(*l);
            } else if (l->too_long) {
                results_.push_back("too long");
            } else {
                const auto c = smtp::parse_command(l->text);
                check(c.argument.empty() || l->text.find(c.argument) != std::string_view::npos);
                results_.push_back(describe(c));
                if (c.verb == smtp::verb::data) {
                    data_.emplace(max_message, l->crlf);
                }
            }
        }
    }

    const std::vector<std::string>& results() const { return results_; }

private:
    void take_data(const smtp::line& l)
    {
        if (!data_->add(l)) {
            return;
        }
        const bool too_large = data_->too_large();
        const std::string message = data_->take();
        check(message.size() <= max_message);
        check(!too_large || message.empty());
        check(crlf_lines(message));
        results_.push_back("message:" + std::to_string(too_large) +
                           std::to_string(data_->line_too_long()) + message);
        data_.reset();
    }

    std::optional<smtp::data_reader> data_;
    std::vector<std::string> results_;
};

std::vector<std::string> run(std::string_view stream, std::size_t read_size)
{
    smtp::line_reader reader(read_size);
    session_model model;
    while (!stream.empty()) {
        auto room = reader.prepare();
        check(room.size() == read_size);
        const std::size_t n = std::min(room.size(), stream.size());
        std::memcpy(room.data(), stream.data(), n);
        reader.commit(n);
        stream.remove_prefix(n);
        model.take(reader);
    }
    return model.results();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size == 0) {
        return 0;
    }
    const std::size_t read_size = 1 + data[0];
    const std::string_view stream(reinterpret_cast<const char*>(data) + 1, size - 1);
    const auto pieces = run(stream, read_size);
    const auto whole = run(stream, std::max<std::size_t>(stream.size(), 1) + command_limit);
    check(pieces == whole);
    return 0;
}
