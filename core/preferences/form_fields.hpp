#pragma once

// The fields of a small HTML form or RFC 8058 one-click POST, which may arrive as
// application/x-www-form-urlencoded or multipart/form-data.

#include "core/http/handler.hpp"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mailgate::core::preferences {

using form_fields = std::vector<std::pair<std::string, std::string>>;

/// The fields in order; nothing when the body is not well-formed in its declared type or the
/// type is neither. Multipart files are not fields: a part with a filename fails the parse.
std::optional<form_fields> parse_form(const http::request& req);

} // namespace mailgate::core::preferences
