#include "core/bounces/text_scan.hpp"

#include "core/reasons/reply_classifier.hpp"

#include <algorithm>

namespace mailgate::core::bounces {
namespace {

char lower(char c) noexcept
{
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool is_space(char c) noexcept
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

bool is_digit(char c) noexcept
{
    return c >= '0' && c <= '9';
}

// RFC 5322 atext, with the bytes of UTF-8 (RFC 6531); dots are handled by the caller.
bool is_local_char(char c) noexcept
{
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c)) {
        return true;
    }
    return std::string_view("!#$%&'*+/=?^_`{|}~-.").find(c) != std::string_view::npos;
}

bool is_domain_char(char c) noexcept
{
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) ||
           c == '-' || c == '.';
}

// The address around the '@' at `at`, or empty when the two sides do not make one.
std::string_view address_at(std::string_view text, std::size_t at) noexcept
{
    std::size_t begin = at;
    while (begin > 0 && is_local_char(text[begin - 1]) && at - begin < 64 * 4) {
        --begin;
    }
    while (begin < at && (text[begin] == '.' || text[begin] == '\'' || text[begin] == '/')) {
        ++begin; // quoting and punctuation before an address, not a part of it
    }
    std::size_t end = at + 1;
    while (end < text.size() && is_domain_char(text[end]) && end - at < 256) {
        ++end;
    }
    // Non-ASCII text run on after an ASCII top-level domain is prose ("a@x.jp、"), not domain.
    const auto last_dot = text.substr(at, end - at).rfind('.');
    if (last_dot != std::string_view::npos) {
        auto label_end = at + last_dot + 1;
        while (label_end < end && static_cast<unsigned char>(text[label_end]) < 0x80) {
            ++label_end;
        }
        if (label_end > at + last_dot + 1) {
            end = label_end;
        }
    }
    while (end > at + 1 && (text[end - 1] == '.' || text[end - 1] == '-')) {
        --end;
    }
    const auto domain = text.substr(at + 1, end - at - 1);
    if (begin == at || domain.find('.') == std::string_view::npos || domain.front() == '.') {
        return {};
    }
    return text.substr(begin, end - begin);
}

} // namespace

std::string_view trim(std::string_view s) noexcept
{
    while (!s.empty() && is_space(s.front())) {
        s.remove_prefix(1);
    }
    while (!s.empty() && is_space(s.back())) {
        s.remove_suffix(1);
    }
    return s;
}

std::size_t ifind(std::string_view hay, std::string_view needle, std::size_t from) noexcept
{
    if (needle.empty()) {
        return from <= hay.size() ? from : std::string_view::npos;
    }
    const char first = needle.front();
    for (std::size_t i = from; i + needle.size() <= hay.size(); ++i) {
        if (lower(hay[i]) != first) {
            continue;
        }
        std::size_t k = 1;
        while (k < needle.size() && lower(hay[i + k]) == needle[k]) {
            ++k;
        }
        if (k == needle.size()) {
            return i;
        }
    }
    return std::string_view::npos;
}

bool istarts_with(std::string_view s, std::string_view prefix) noexcept
{
    return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

bool iequals(std::string_view a, std::string_view b) noexcept
{
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                              [](char x, char y) { return lower(x) == lower(y); });
}

std::string fold_space(std::string_view s, std::size_t bound)
{
    std::string out;
    out.reserve(std::min(s.size(), bound));
    bool space = false;
    for (const char c : s) {
        if (out.size() >= bound) {
            break;
        }
        if (is_space(c)) {
            space = !out.empty();
            continue;
        }
        if (space) {
            out.push_back(' ');
            space = false;
        }
        out.push_back(c);
    }
    return out;
}

std::vector<std::string_view> split_lines(std::string_view text)
{
    std::vector<std::string_view> lines;
    std::size_t from = 0;
    while (from < text.size()) {
        const auto nl = text.find('\n', from);
        const auto end = nl == std::string_view::npos ? text.size() : nl;
        lines.push_back(text.substr(from, end - from));
        from = end + 1;
    }
    return lines;
}

std::vector<found_address> find_addresses(std::string_view text)
{
    std::vector<found_address> out;
    for (auto at = text.find('@'); at != std::string_view::npos; at = text.find('@', at + 1)) {
        const auto a = address_at(text, at);
        if (!a.empty()) {
            out.push_back({a, static_cast<std::size_t>(a.data() - text.data())});
        }
    }
    return out;
}

std::string_view first_address(std::string_view value)
{
    const auto found = find_addresses(value);
    return found.empty() ? std::string_view{} : found.front().address;
}

std::string_view without_type(std::string_view value) noexcept
{
    value = trim(value);
    const auto semi = value.find(';');
    if (semi != std::string_view::npos && semi < 16 &&
        value.substr(0, semi).find(' ') == std::string_view::npos) {
        value.remove_prefix(semi + 1);
    }
    return trim(value);
}

std::string_view find_failure_status(std::string_view text) noexcept
{
    while (!text.empty()) {
        const auto status = reasons::find_status(text);
        if (status.empty() || !status.starts_with("2.")) {
            return status;
        }
        text.remove_prefix(static_cast<std::size_t>(status.data() - text.data()) + status.size());
    }
    return {};
}

int find_reply_code(std::string_view text) noexcept
{
    if (const int code = reasons::reply_code_of(trim(without_type(text))); code >= 400) {
        return code;
    }
    for (std::size_t i = 0; i + 8 < text.size(); ++i) {
        const bool alone = i == 0 || !(is_digit(text[i - 1]) || text[i - 1] == '.' ||
                                       text[i - 1] == '#' || text[i - 1] == '-');
        if (!alone || (text[i] != '4' && text[i] != '5') || !is_digit(text[i + 1]) ||
            !is_digit(text[i + 2]) || (text[i + 3] != ' ' && text[i + 3] != '-')) {
            continue;
        }
        const auto rest = text.substr(i + 4, 3);
        if (rest.size() == 3 && rest[0] == text[i] && rest[1] == '.' && is_digit(rest[2])) {
            return (text[i] - '0') * 100 + (text[i + 1] - '0') * 10 + (text[i + 2] - '0');
        }
    }
    return 0;
}

} // namespace mailgate::core::bounces
