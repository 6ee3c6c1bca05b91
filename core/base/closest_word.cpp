#include "core/base/closest_word.hpp"

#include <algorithm>
#include <cctype>

namespace mailgate::core::base {
namespace {

char lower(char c)
{
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

// Optimal string alignment distance, ignoring case.
std::size_t distance(std::string_view a, std::string_view b)
{
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i) {
        d[i][0] = i;
    }
    for (std::size_t j = 0; j <= b.size(); ++j) {
        d[0][j] = j;
    }
    for (std::size_t i = 1; i <= a.size(); ++i) {
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
                lower(a[i - 2]) == lower(b[j - 1])) {
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
            }
        }
    }
    return d[a.size()][b.size()];
}

} // namespace

std::optional<std::string> closest_word(std::string_view typed,
                                        const std::vector<std::string>& known)
{
    // A name is short; anything long enough to make the table large is not a slip of one.
    constexpr std::size_t longest = 64;
    if (typed.empty() || typed.size() > longest) {
        return std::nullopt;
    }
    const std::size_t allowed = std::max<std::size_t>(1, typed.size() / 3);
    std::optional<std::string> best;
    std::size_t best_distance = allowed + 1;
    for (const auto& name : known) {
        if (name.size() > longest) {
            continue;
        }
        const auto d = distance(typed, name);
        if (d < best_distance) {
            best = name;
            best_distance = d;
        }
    }
    return best;
}

std::string did_you_mean(std::string_view typed, const std::vector<std::string>& known)
{
    const auto best = closest_word(typed, known);
    return best ? " (did you mean '" + *best + "'?)" : "";
}

} // namespace mailgate::core::base
