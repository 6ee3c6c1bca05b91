#include "core/smtp_server/smtp_command.hpp"

#include <array>
#include <charconv>
#include <utility>

namespace mailgate::core::smtp_server {
namespace {

char upper(char c)
{
    return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}

bool iequals(std::string_view a, std::string_view b)
{
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (upper(a[i]) != upper(b[i])) {
            return false;
        }
    }
    return true;
}

bool istarts_with(std::string_view s, std::string_view prefix)
{
    return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

bool is_control(char c)
{
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
}

std::string_view trim(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

constexpr std::array<std::pair<std::string_view, verb>, 11> verbs{{
    {"EHLO", verb::ehlo},
    {"HELO", verb::helo},
    {"STARTTLS", verb::starttls},
    {"MAIL", verb::mail},
    {"RCPT", verb::rcpt},
    {"DATA", verb::data},
    {"RSET", verb::rset},
    {"NOOP", verb::noop},
    {"QUIT", verb::quit},
    {"VRFY", verb::vrfy},
    {"HELP", verb::help},
}};

argument_error syntax(std::string_view reason)
{
    return {argument_error::syntax, reason};
}

// The end of the path that starts at `s[0] == '<'`: the index of its '>', skipping quoted
// strings (a quoted local part may hold '>' and spaces). Nothing for a path that never ends,
// holds a control character, or an unquoted space.
std::optional<std::size_t> path_end(std::string_view s)
{
    bool quoted = false;
    for (std::size_t i = 1; i < s.size(); ++i) {
        const char c = s[i];
        if (is_control(c)) {
            return std::nullopt;
        }
        if (quoted) {
            if (c == '\\') {
                ++i; // the escaped character, whatever it is (checked on the next turn if past)
                if (i < s.size() && is_control(s[i])) {
                    return std::nullopt;
                }
            } else if (c == '"') {
                quoted = false;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == '>') {
            return i;
        } else if (c == ' ' || c == '<') {
            return std::nullopt;
        }
    }
    return std::nullopt;
}

// A mailbox: something, '@', a domain (the last '@' splits them: a quoted local part may hold
// one). "postmaster" alone is a mailbox too (RFC 5321 §4.1.1.3).
bool is_mailbox(std::string_view m)
{
    if (iequals(m, "postmaster")) {
        return true;
    }
    const auto at = m.rfind('@');
    if (at == std::string_view::npos || at == 0 || at + 1 == m.size()) {
        return false;
    }
    const auto domain = m.substr(at + 1);
    return domain.find('"') == std::string_view::npos && domain.front() != '.';
}

struct path_and_rest {
    std::string path;
    std::string_view parameters;
};

// `KEYWORD:<path> params` into the path (source route dropped) and the parameters.
std::variant<path_and_rest, argument_error> split_path(std::string_view argument,
                                                       std::string_view keyword, bool null_allowed)
{
    if (!istarts_with(argument, keyword)) {
        return syntax("Syntax: expected a path");
    }
    argument = trim(argument.substr(keyword.size()));
    if (argument.empty() || argument.front() != '<') {
        return syntax("Syntax: the path must be in angle brackets");
    }
    const auto end = path_end(argument);
    if (!end) {
        return syntax("Syntax: malformed path");
    }
    if (*end + 1 > max_path_length) {
        return syntax("Path too long");
    }
    std::string_view path = argument.substr(1, *end - 1);
    const auto rest = argument.substr(*end + 1);
    if (!rest.empty() && rest.front() != ' ') {
        return syntax("Syntax: a space must follow the path");
    }
    const bool routed = !path.empty() && path.front() == '@'; // "@a,@b:user@host"
    if (routed) {
        const auto colon = path.find(':');
        if (colon == std::string_view::npos) {
            return syntax("Syntax: malformed source route");
        }
        path.remove_prefix(colon + 1);
    }
    if (path.empty() ? routed || !null_allowed : !is_mailbox(path)) {
        return syntax("Syntax: malformed address");
    }
    return path_and_rest{std::string(path), trim(rest)};
}

bool is_keyword(std::string_view k)
{
    if (k.empty() || k.front() == '-') {
        return false;
    }
    for (const char c : k) {
        const bool alnum =
            (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && c != '-') {
            return false;
        }
    }
    return true;
}

bool is_value(std::string_view v)
{
    for (const char c : v) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 33 || u > 126 || c == '=') {
            return false;
        }
    }
    return !v.empty();
}

struct parameter {
    std::string_view keyword;
    std::optional<std::string_view> value;
};

// The next space-separated `keyword[=value]` of `params`, which it consumes.
std::variant<parameter, argument_error> next_parameter(std::string_view& params)
{
    const auto space = params.find(' ');
    const auto item = params.substr(0, space);
    params = space == std::string_view::npos ? std::string_view() : trim(params.substr(space));
    const auto eq = item.find('=');
    parameter p{item.substr(0, eq), std::nullopt};
    if (eq != std::string_view::npos) {
        p.value = item.substr(eq + 1);
    }
    if (!is_keyword(p.keyword) || (p.value && !is_value(*p.value))) {
        return syntax("Syntax: malformed parameter");
    }
    return p;
}

std::optional<std::uint64_t> parse_size(std::string_view v)
{
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || end != v.data() + v.size()) {
        return std::nullopt;
    }
    return n;
}

// One MAIL parameter into `m`; an error for a malformed, repeated or unknown one.
std::optional<argument_error> apply_parameter(const parameter& p, mail_from& m)
{
    if (iequals(p.keyword, "SIZE")) {
        const auto n = p.value ? parse_size(*p.value) : std::nullopt;
        if (!n || m.size) {
            return syntax("Syntax: SIZE=number, once");
        }
        m.size = n;
    } else if (iequals(p.keyword, "BODY")) {
        if (!p.value || m.body != body_type::unspecified) {
            return syntax("Syntax: BODY=7BIT or BODY=8BITMIME, once");
        }
        if (iequals(*p.value, "7BIT")) {
            m.body = body_type::seven_bit;
        } else if (iequals(*p.value, "8BITMIME")) {
            m.body = body_type::eight_bit_mime;
        } else {
            return argument_error{argument_error::unknown_parameter, "Unsupported BODY type"};
        }
    } else if (iequals(p.keyword, "SMTPUTF8")) {
        if (p.value || m.smtputf8) {
            return syntax("Syntax: SMTPUTF8 takes no value, once");
        }
        m.smtputf8 = true;
    } else {
        return argument_error{argument_error::unknown_parameter, "Unsupported MAIL parameter"};
    }
    return std::nullopt;
}

} // namespace

command parse_command(std::string_view line)
{
    line = trim(line);
    const auto space = line.find(' ');
    const auto word = line.substr(0, space);
    command c;
    if (space != std::string_view::npos) {
        c.argument = trim(line.substr(space + 1));
    }
    for (const auto& [name, v] : verbs) {
        if (iequals(word, name)) {
            c.verb = v;
            return c;
        }
    }
    c.argument = {};
    return c;
}

std::variant<mail_from, argument_error> parse_mail_from(std::string_view argument)
{
    auto split = split_path(argument, "FROM:", true);
    if (auto* e = std::get_if<argument_error>(&split)) {
        return *e;
    }
    auto& [path, params] = std::get<path_and_rest>(split);
    mail_from m;
    m.reverse_path = std::move(path);
    while (!params.empty()) {
        auto p = next_parameter(params);
        if (auto* e = std::get_if<argument_error>(&p)) {
            return *e;
        }
        if (auto e = apply_parameter(std::get<parameter>(p), m)) {
            return *e;
        }
    }
    return m;
}

std::variant<rcpt_to, argument_error> parse_rcpt_to(std::string_view argument)
{
    auto split = split_path(argument, "TO:", false);
    if (auto* e = std::get_if<argument_error>(&split)) {
        return *e;
    }
    auto& [path, params] = std::get<path_and_rest>(split);
    if (!params.empty()) {
        auto p = next_parameter(params);
        if (auto* e = std::get_if<argument_error>(&p)) {
            return *e;
        }
        return argument_error{argument_error::unknown_parameter, "Unsupported RCPT parameter"};
    }
    return rcpt_to{std::move(path)};
}

std::optional<std::string_view> parse_helo_name(std::string_view argument)
{
    // Some clients add words after the name (old Windows hosts); the name is the first.
    const auto name = argument.substr(0, argument.find(' '));
    if (name.empty() || name.size() > 255) {
        return std::nullopt;
    }
    for (const char c : name) {
        if (is_control(c)) {
            return std::nullopt;
        }
    }
    return name;
}

} // namespace mailgate::core::smtp_server
