#pragma once

// Reply lines as the server puts them on the wire.

#include <string>
#include <string_view>
#include <vector>

namespace mailgate::testing {

/// The wire lines (without CRLF) of a reply given as lines separated by "\n", each starting
/// with its code: every line but the last gets "-" after the code, the last a space, so
/// "451 a\n451 b" becomes "451-a", "451 b". A CR before a "\n" is dropped.
std::vector<std::string> format_reply(std::string_view reply);

/// A 2xx or 3xx reply: the command it answers takes effect.
bool is_positive(std::string_view reply);

} // namespace mailgate::testing
