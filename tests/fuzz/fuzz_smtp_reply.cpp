// Bytes as an SMTP server's reply stream through the client's reply parser, fed in pieces the
// way reads deliver them, replies one after another as under PIPELINING.
//
// Input: byte 0 picks the read size (1 to 16,384 bytes); the rest is what the server sends,
// as it is: the parser's bounds (2,048 bytes a line, 256 lines a reply) are within the 4 KiB
// inputs scripts/fuzz.sh allows, so no escape is needed to reach them. The same bytes fed at
// once must give the same replies and the same refusal: what the parser returns may not depend
// on how the network cut the stream. Every reply keeps smtp_reply_parser.hpp's promises.

#include "core/outbound/smtp/smtp_reply_parser.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using mailgate::core::outbound::smtp::smtp_protocol_error;
using mailgate::core::outbound::smtp::smtp_reply;
using mailgate::core::outbound::smtp::smtp_reply_parser;

void check(bool ok)
{
    if (!ok) {
        std::abort();
    }
}

bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

// Control characters are escaped where server bytes come in: none reaches a reply's text.
bool has_controls(std::string_view text)
{
    for (const char c : text) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
            return true;
        }
    }
    return false;
}

// RFC 3463: class "." 1-3 digits "." 1-3 digits, the class the reply code's.
bool is_enhanced(std::string_view code, int reply_class)
{
    if (code.size() < 5 || code[0] != static_cast<char>('0' + reply_class) || code[1] != '.') {
        return false;
    }
    std::size_t i = 2;
    for (int part = 0; part < 2; ++part) {
        std::size_t n = 0;
        while (i < code.size() && is_digit(code[i])) {
            ++i;
            ++n;
        }
        if (n < 1 || n > 3) {
            return false;
        }
        if (part == 0) {
            if (i == code.size() || code[i] != '.') {
                return false;
            }
            ++i;
        }
    }
    return i == code.size();
}

struct parsed {
    smtp_reply reply;
    std::vector<std::string> raw;
};

void check_reply(const parsed& p)
{
    const auto& r = p.reply;
    check(r.code >= 200 && r.code <= 599);
    check(!r.lines.empty() && r.lines.size() <= smtp_reply_parser::max_lines);
    check(r.lines.size() == p.raw.size());
    check(r.enhanced.empty() || is_enhanced(r.enhanced, r.kind()));
    const std::string code = std::to_string(r.code);
    for (std::size_t i = 0; i < p.raw.size(); ++i) {
        const auto& raw = p.raw[i];
        check(raw.compare(0, 3, code) == 0);
        // The last line "DDD" or "DDD text", the others "DDD-text".
        const bool last = i + 1 == p.raw.size();
        check(raw.size() == 3 ? last : raw[3] == (last ? ' ' : '-'));
        // A raw line of at most max_line_length bytes, each escaped in at most 4.
        check(raw.size() <= 4 * smtp_reply_parser::max_line_length);
        check(!has_controls(raw) && !has_controls(r.lines[i]));
        check(r.lines[i].size() <= raw.size());
    }
    check(r.str().starts_with(code));
}

struct outcome {
    std::vector<parsed> replies;
    bool refused = false;
    bool pending = false;
};

// Feeds `bytes` in pieces of `piece`, taking every reply each piece completes.
outcome parse(std::string_view bytes, std::size_t piece)
{
    outcome out;
    smtp_reply_parser parser;
    try {
        for (std::size_t at = 0; at < bytes.size(); at += piece) {
            parser.feed(bytes.substr(at, piece));
            while (auto reply = parser.next()) {
                out.replies.push_back({std::move(*reply), parser.raw_lines()});
            }
        }
    } catch (const smtp_protocol_error& e) {
        check(std::string_view(e.what()).size() > 0);
        out.refused = true;
        return out;
    }
    out.pending = parser.has_pending();
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0) {
        return 0;
    }
    const std::size_t piece = std::size_t{1} << (data[0] % 15);
    const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);

    const outcome pieces = parse(bytes, piece);
    for (const auto& p : pieces.replies) {
        check_reply(p);
    }
    // Complete lines are taken before a partial one is judged too long, so a refusal comes
    // after the same replies however the stream was cut.
    const outcome whole = parse(bytes, bytes.size() + 1);
    check(pieces.refused == whole.refused && pieces.pending == whole.pending);
    check(pieces.replies.size() == whole.replies.size());
    for (std::size_t i = 0; i < pieces.replies.size(); ++i) {
        const auto& a = pieces.replies[i];
        const auto& b = whole.replies[i];
        check(a.reply.code == b.reply.code && a.reply.enhanced == b.reply.enhanced &&
              a.reply.lines == b.reply.lines && a.raw == b.raw);
    }
    // Nothing left behind: every line the stream ended is in a reply.
    if (!pieces.refused && !pieces.pending) {
        std::size_t lines = 0;
        for (const auto& p : pieces.replies) {
            lines += p.raw.size();
        }
        check(lines == static_cast<std::size_t>(std::count(bytes.begin(), bytes.end(), '\n')));
    }
    return 0;
}
