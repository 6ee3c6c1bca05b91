#pragma once

// The syntax of what a client sends: command lines and their `FROM:<path>` / `TO:<path>`
// arguments. Tolerant where real clients differ (case, a space after the colon).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace mailgate::testing {

struct smtp_command {
    std::string verb;     ///< upper case
    std::string argument; ///< what followed the verb and its space, as sent
};

smtp_command parse_command(std::string_view line);

struct smtp_path {
    std::string address;    ///< without <>; empty for the null reverse path
    std::string parameters; ///< what followed the `>`, outer spaces trimmed
};

/// `FROM:<a@b> SIZE=10` with keyword "FROM:". Nothing unless the keyword (any case) and an
/// address in angle brackets are there.
std::optional<smtp_path> parse_path(std::string_view argument, std::string_view keyword);

/// The message size a client declared with `SIZE=n` among MAIL parameters: 0 when it declared
/// none, nothing when the value is not a number.
std::optional<std::size_t> declared_size(std::string_view parameters);

} // namespace mailgate::testing
