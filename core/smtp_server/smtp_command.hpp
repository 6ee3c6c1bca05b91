#pragma once

// The syntax of what an SMTP client sends (RFC 5321 §4.1, with the parameters of RFC 1870,
// 6152 and 6531): pure, no I/O, so the fuzz target and the tests reach every branch. The
// session decides what a well-formed command means in its state.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace mailgate::core::smtp_server {

enum class verb {
    ehlo,
    helo,
    starttls,
    mail,
    rcpt,
    data,
    rset,
    noop,
    quit,
    vrfy,
    help,
    unknown,
};

struct command {
    smtp_server::verb verb = verb::unknown;
    /// What followed the verb and its space, trailing blanks trimmed. A view into the line.
    std::string_view argument;
};

/// Splits a command line (without its line end) into verb (any case) and argument. A verb glued
/// to its argument without a space ("MAILFROM:<>") is unknown.
command parse_command(std::string_view line);

/// Why an argument was refused: the reply's code says whether it was the syntax (501 5.5.4) or
/// a parameter this server does not know (555 5.5.4).
struct argument_error {
    enum kind { syntax, unknown_parameter } what = syntax;
    std::string_view reason; ///< a literal, for the reply's text
};

enum class body_type { unspecified, seven_bit, eight_bit_mime };

struct mail_from {
    std::string reverse_path;          ///< without the angle brackets; empty: the null sender <>
    std::optional<std::uint64_t> size; ///< SIZE=n (RFC 1870)
    body_type body = body_type::unspecified;
    bool smtputf8 = false;
};

struct rcpt_to {
    std::string forward_path; ///< without the angle brackets or a source route
};

/// `FROM:<path> [params]`: the null path, a source route (ignored, RFC 5321 §4.1.1.3) and one
/// space after the colon are taken, as real clients send them.
std::variant<mail_from, argument_error> parse_mail_from(std::string_view argument);

/// `TO:<path>`: no parameter is supported (no DSN is announced).
std::variant<rcpt_to, argument_error> parse_rcpt_to(std::string_view argument);

/// The client's name in EHLO/HELO: one domain or address literal, without control characters.
/// Nothing when missing or malformed.
std::optional<std::string_view> parse_helo_name(std::string_view argument);

/// The longest path (RFC 5321 §4.5.3.1.3: 256 octets with the angle brackets).
inline constexpr std::size_t max_path_length = 256;

} // namespace mailgate::core::smtp_server
