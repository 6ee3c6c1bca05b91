#pragma once

// PostgreSQL text holds neither NUL nor invalid UTF-8, both of which SQLite keeps and a hostile
// callback can carry. Storing such a value would fail its whole batch on every retry; instead
// each NUL and each invalid sequence becomes U+FFFD, so the value is stored (and looked up) as
// that. Keys stay exact: they are hashed from the raw bytes before this.

#include <string>
#include <string_view>

namespace mailgate::core::storage::postgres {

/// `value` itself when PostgreSQL can store it, else with the replacements.
std::string storable_text(std::string_view value);

} // namespace mailgate::core::storage::postgres
