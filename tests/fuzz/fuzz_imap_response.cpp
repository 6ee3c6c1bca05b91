// Bytes as an IMAP server's response stream through the client's response parser, fed in
// pieces the way reads deliver them.
//
// Input: byte 0 picks the read size (1 to 256 bytes), byte 1 the literal bound (0 to 2,550
// bytes) and the line bound (64 bytes and up); the rest is what the server sends. The same bytes
// fed at once must give the same responses and the same refusal: what the parser returns may
// not depend on how the network cut the stream. Every response keeps imap_response.hpp's
// promises: a FETCH's body within the literal bound, a tagged response an OK, NO or BAD.

#include "core/imap/response_parser.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

using mailgate::core::imap::imap_protocol_error;
using mailgate::core::imap::imap_response;
using mailgate::core::imap::response_limits;
using mailgate::core::imap::response_parser;

void check(bool ok)
{
    if (!ok) {
        std::abort();
    }
}

struct outcome {
    std::vector<std::string> summaries;
    bool refused = false;
};

std::string summary(const imap_response& r)
{
    std::string s = std::to_string(static_cast<int>(r.kind)) + "|" + r.tag + "|" + r.name + "|" +
                    r.code + "|" + r.text + "|" + (r.number ? std::to_string(*r.number) : "-");
    for (const auto& w : r.words) {
        s += "|" + w;
    }
    if (r.fetch) {
        s += "|F" + std::to_string(r.fetch->sequence) + ":" +
             (r.fetch->uid ? std::to_string(*r.fetch->uid) : "-") + ":" +
             (r.fetch->size ? std::to_string(*r.fetch->size) : "-") + ":" +
             (r.fetch->body ? *r.fetch->body : "<nil>");
    }
    return s;
}

void keeps_promises(const imap_response& r, const response_limits& limits)
{
    if (r.kind == imap_response::type::tagged) {
        check(r.name == "OK" || r.name == "NO" || r.name == "BAD");
        check(!r.tag.empty());
    }
    if (r.fetch && r.fetch->body) {
        check(r.fetch->body->size() <= limits.max_literal + limits.max_line);
    }
}

outcome run(std::string_view data, std::size_t piece, const response_limits& limits)
{
    outcome out;
    response_parser parser(limits);
    try {
        while (!data.empty()) {
            const auto n = std::min(piece, data.size());
            parser.feed(data.substr(0, n));
            data.remove_prefix(n);
            while (auto r = parser.next()) {
                keeps_promises(*r, limits);
                out.summaries.push_back(summary(*r));
            }
        }
    } catch (const imap_protocol_error&) {
        out.refused = true;
    }
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, std::size_t size)
{
    if (size < 2) {
        return 0;
    }
    const std::size_t piece = 1 + bytes[0];
    response_limits limits;
    limits.max_literal = static_cast<std::size_t>(bytes[1]) * 10;
    limits.max_line = 64 + static_cast<std::size_t>(bytes[1]) * 16;
    const std::string_view data(reinterpret_cast<const char*>(bytes) + 2, size - 2);

    const auto in_pieces = run(data, piece, limits);
    const auto at_once = run(data, data.size() + 1, limits);
    // A refusal may come at a different response when the stream is cut (a later response's
    // bound is checked as its bytes arrive), but the responses before it are the same.
    const auto common = std::min(in_pieces.summaries.size(), at_once.summaries.size());
    for (std::size_t i = 0; i < common; ++i) {
        check(in_pieces.summaries[i] == at_once.summaries[i]);
    }
    if (!in_pieces.refused && !at_once.refused) {
        check(in_pieces.summaries == at_once.summaries);
    }
    check(in_pieces.refused == at_once.refused);
    return 0;
}
