#pragma once

#include <string>

namespace mailgate::core::config {

/// One value from the file, with where it stands ("file:line:column").
struct located_value {
    std::string text;
    bool scalar = true; ///< false for a map or a list
    std::string where;
};

} // namespace mailgate::core::config
