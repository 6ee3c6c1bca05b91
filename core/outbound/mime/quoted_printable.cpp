#include "core/outbound/mime/quoted_printable.hpp"

#include "core/encoding/hex_escape.hpp"

namespace mailgate::core::outbound::mime {
namespace {

constexpr std::size_t max_line = 76;

// Transports may strip white space at a line's end, so it is escaped there.
std::string encode_octet(char c, bool ends_line)
{
    const bool literal =
        (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !ends_line);
    return literal ? std::string(1, c) : encoding::hex_escape('=', c);
}

void encode_line(std::string_view line, std::string& out)
{
    std::size_t column = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const std::string token = encode_octet(line[i], i + 1 == line.size());
        // One column stays free for the soft break's "=".
        if (column + token.size() > max_line - 1) {
            out += "=\r\n";
            column = 0;
        }
        out += token;
        column += token.size();
    }
}

} // namespace

std::string quoted_printable_encode(std::string_view text)
{
    std::string out;
    for (std::size_t start = 0;;) {
        const std::size_t end = text.find("\r\n", start);
        encode_line(text.substr(start, end - start), out);
        if (end == std::string_view::npos) {
            return out;
        }
        out += "\r\n";
        start = end + 2;
    }
}

} // namespace mailgate::core::outbound::mime
