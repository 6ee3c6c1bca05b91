#include "core/outbound/mime/header_encoding.hpp"

#include "core/addressing/rfc5322.hpp"
#include "core/encoding/base64.hpp"
#include "core/encoding/hex_escape.hpp"
#include "core/encoding/utf8.hpp"
#include "core/outbound/mime/message_error.hpp"

#include <algorithm>
#include <vector>

namespace mailgate::core::outbound::mime {
namespace {

constexpr std::size_t max_word = 75;
constexpr std::size_t hard_line = 998;
constexpr std::string_view q_prefix = "=?utf-8?Q?";
constexpr std::string_view b_prefix = "=?utf-8?B?";
constexpr std::string_view suffix = "?=";
constexpr std::size_t word_overhead = q_prefix.size() + suffix.size();

bool is_q_safe(char c)
{
    return addressing::rfc5322::is_alnum(c) ||
           std::string_view("!*+-/").find(c) != std::string_view::npos;
}

std::string q_encode(std::string_view bytes)
{
    std::string out;
    for (const char c : bytes) {
        if (is_q_safe(c)) {
            out += c;
        } else if (c == ' ') {
            out += '_';
        } else {
            out += encoding::hex_escape('=', c);
        }
    }
    return out;
}

// Q is n + 2k characters for k escaped octets, B is 4n/3.
bool prefers_q(std::string_view text)
{
    const auto escaped =
        std::count_if(text.begin(), text.end(), [](char c) { return !is_q_safe(c) && c != ' '; });
    return static_cast<std::size_t>(escaped) * 6 <= text.size();
}

std::size_t encoded_size(std::string_view chunk, bool q)
{
    return q ? q_encode(chunk).size() : 4 * ((chunk.size() + 2) / 3);
}

// The longest runs of whole characters whose encoding fits the room of their word.
std::vector<std::string_view> chunks(std::string_view text, bool q, std::size_t first_payload)
{
    std::vector<std::string_view> out;
    std::size_t room = first_payload;
    std::size_t start = 0;
    for (std::size_t pos = 0; pos < text.size();) {
        const std::size_t end = pos + encoding::utf8_char_size(text, pos);
        if (pos > start && encoded_size(text.substr(start, end - start), q) > room) {
            out.push_back(text.substr(start, pos - start));
            start = pos;
            room = max_word - word_overhead;
        }
        pos = end;
    }
    out.push_back(text.substr(start));
    return out;
}

bool is_wsp(char c)
{
    return c == ' ' || c == '\t';
}

// The last fold point at or before `limit`, else the first after it; npos when none.
std::size_t fold_point(std::string_view line, std::size_t from, std::size_t limit,
                       std::size_t text_end)
{
    std::size_t best = std::string_view::npos;
    for (std::size_t i = from; i < text_end; ++i) {
        if (!is_wsp(line[i]) || is_wsp(line[i - 1])) {
            continue;
        }
        if (i > limit) {
            return best == std::string_view::npos ? i : best;
        }
        best = i;
    }
    return best;
}

} // namespace

std::string encode_words(std::string_view text, std::size_t first_room)
{
    const bool q = prefers_q(text);
    const std::size_t first_payload =
        std::min(first_room, max_word) - std::min(first_room, word_overhead);
    std::string out;
    for (const auto chunk : chunks(text, q, first_payload)) {
        if (!out.empty()) {
            out += ' ';
        }
        out += q ? q_prefix : b_prefix;
        out += q ? q_encode(chunk) : encoding::base64_encode(chunk);
        out += suffix;
    }
    return out;
}

std::optional<std::string> fold_header(std::string_view name, std::string_view value)
{
    std::string line(name);
    line += ':';
    if (!value.empty()) {
        line += ' ';
        line += value;
    }
    const std::size_t first_fold = name.size() + 2;
    const std::size_t text_end = line.find_last_not_of(" \t");
    std::string out;
    std::size_t start = 0;
    while (line.size() - start > folded_line_length) {
        const std::size_t at =
            fold_point(line, std::max(start + 1, first_fold), start + folded_line_length, text_end);
        if (at == std::string::npos) {
            break;
        }
        if (at - start > hard_line) {
            return std::nullopt;
        }
        out.append(line, start, at - start).append("\r\n");
        start = at;
    }
    if (line.size() - start > hard_line) {
        return std::nullopt;
    }
    return out.append(line, start).append("\r\n");
}

std::string header_line(std::string_view name, std::string_view value)
{
    auto line = fold_header(name, value);
    if (!line) {
        throw message_error("the header " + std::string(name) +
                            " has a word too long to fold into " + std::to_string(hard_line) +
                            "-octet lines");
    }
    return std::move(*line);
}

} // namespace mailgate::core::outbound::mime
