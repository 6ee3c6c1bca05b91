#pragma once

// "Did you mean" for a name a person typed: the known name it is most likely a slip of.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailgate::core::base {

/// The name of `known` closest to `typed` by edits (insert, delete, replace, swap of two
/// neighbours), when it is within one edit for every three characters (at least one), else
/// nullopt. Ties go to the first in `known`.
std::optional<std::string> closest_word(std::string_view typed,
                                        const std::vector<std::string>& known);

/// " (did you mean 'x'?)" for closest_word's answer, else "".
std::string did_you_mean(std::string_view typed, const std::vector<std::string>& known);

} // namespace mailgate::core::base
