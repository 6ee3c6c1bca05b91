#pragma once

// Character classes of the RFC 5322 grammar (§3.2.3), shared by address parsing and message
// building.

#include <string>
#include <string_view>

namespace mailgate::core::addressing::rfc5322 {

inline bool is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

inline bool is_atext(char c)
{
    return is_alnum(c) || std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

/// Atoms of atext joined by single dots, as in a Message-ID's halves.
inline bool is_dot_atom_text(std::string_view text)
{
    bool after_dot = true;
    for (const char c : text) {
        if (c == '.' && after_dot) {
            return false;
        }
        if (c != '.' && !is_atext(c)) {
            return false;
        }
        after_dot = c == '.';
    }
    return !after_dot;
}

/// "[" *dtext "]": the other form of a Message-ID's right half.
inline bool is_no_fold_literal(std::string_view text)
{
    if (text.size() < 2 || text.front() != '[' || text.back() != ']') {
        return false;
    }
    for (const char c : text.substr(1, text.size() - 2)) {
        if (c < 33 || c > 126 || c == '[' || c == ']' || c == '\\') {
            return false;
        }
    }
    return true;
}

/// Visible ASCII and white space (VCHAR, WSP): what a header may carry unencoded.
inline bool is_header_text(std::string_view text)
{
    for (const char c : text) {
        if ((c < 0x20 && c != '\t') || c > 0x7e) {
            return false;
        }
    }
    return true;
}

/// `text` as a quoted-string, '"' and '\\' escaped.
inline std::string quoted_string(std::string_view text)
{
    std::string out = "\"";
    for (const char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
        }
        out += c;
    }
    return out + "\"";
}

} // namespace mailgate::core::addressing::rfc5322
