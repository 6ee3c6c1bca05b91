#include "core/base/iso_time.hpp"

#include <cstdio>

namespace mailgate::core::base {
namespace {

// Days since 1970-01-01 of a civil date, and back (Howard Hinnant's algorithms, valid for every
// year the four digits reach).
int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2 ? 1 : 0;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

struct civil_date {
    int64_t year;
    int64_t month;
    int64_t day;
};

civil_date civil_from_days(int64_t z)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    const int64_t d = doy - (153 * mp + 2) / 5 + 1;
    const int64_t m = mp + (mp < 10 ? 3 : -9);
    return {yoe + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

bool leap_year(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int64_t days_in_month(int64_t y, int64_t m)
{
    static constexpr int64_t days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap_year(y) ? 29 : days[m - 1];
}

// Reads exactly `count` digits at `pos`, advancing it.
std::optional<int64_t> digits(std::string_view text, std::size_t& pos, std::size_t count)
{
    if (text.size() - pos < count) {
        return std::nullopt;
    }
    int64_t value = 0;
    for (std::size_t i = 0; i < count; ++i) {
        const char c = text[pos + i];
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        value = value * 10 + (c - '0');
    }
    pos += count;
    return value;
}

bool expect(std::string_view text, std::size_t& pos, std::string_view one_of)
{
    if (pos >= text.size() || one_of.find(text[pos]) == std::string_view::npos) {
        return false;
    }
    ++pos;
    return true;
}

// The fraction's milliseconds, at least one digit after the '.' the caller consumed.
std::optional<int64_t> fraction_ms(std::string_view text, std::size_t& pos)
{
    int64_t ms = 0;
    std::size_t count = 0;
    for (; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos, ++count) {
        if (count < 3) {
            ms = ms * 10 + (text[pos] - '0');
        }
    }
    if (count == 0) {
        return std::nullopt;
    }
    for (; count < 3; ++count) {
        ms *= 10;
    }
    return ms;
}

// Seconds east of UTC of "Z" or "+hh:mm" / "-hh:mm", which must end the text.
std::optional<int64_t> offset_seconds(std::string_view text, std::size_t pos)
{
    if (pos + 1 == text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
        return 0;
    }
    if (pos >= text.size() || (text[pos] != '+' && text[pos] != '-')) {
        return std::nullopt;
    }
    const int64_t sign = text[pos++] == '-' ? -1 : 1;
    auto hours = digits(text, pos, 2);
    if (!hours || !expect(text, pos, ":")) {
        return std::nullopt;
    }
    auto minutes = digits(text, pos, 2);
    if (!minutes || pos != text.size() || *hours > 23 || *minutes > 59) {
        return std::nullopt;
    }
    return sign * (*hours * 3600 + *minutes * 60);
}

} // namespace

std::string format_iso_time(int64_t ms)
{
    const int64_t seconds = ms / 1000;
    const int64_t days = seconds / 86400;
    const int64_t of_day = seconds % 86400;
    const civil_date date = civil_from_days(days);
    // Room for any int64_t fields: the compiler cannot see that they are in range.
    char out[96];
    std::snprintf(out, sizeof out, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%03lldZ",
                  static_cast<long long>(date.year), static_cast<long long>(date.month),
                  static_cast<long long>(date.day), static_cast<long long>(of_day / 3600),
                  static_cast<long long>(of_day / 60 % 60), static_cast<long long>(of_day % 60),
                  static_cast<long long>(ms % 1000));
    return out;
}

std::optional<int64_t> parse_iso_time(std::string_view text)
{
    std::size_t pos = 0;
    auto year = digits(text, pos, 4);
    if (!year || !expect(text, pos, "-")) {
        return std::nullopt;
    }
    auto month = digits(text, pos, 2);
    if (!month || !expect(text, pos, "-")) {
        return std::nullopt;
    }
    auto day = digits(text, pos, 2);
    if (!day || !expect(text, pos, "Tt ")) {
        return std::nullopt;
    }
    auto hour = digits(text, pos, 2);
    if (!hour || !expect(text, pos, ":")) {
        return std::nullopt;
    }
    auto minute = digits(text, pos, 2);
    if (!minute || !expect(text, pos, ":")) {
        return std::nullopt;
    }
    auto second = digits(text, pos, 2);
    if (!second) {
        return std::nullopt;
    }
    std::optional<int64_t> ms = 0;
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        ms = fraction_ms(text, pos);
    }
    auto offset = ms ? offset_seconds(text, pos) : std::nullopt;
    if (!offset || *month < 1 || *month > 12 || *day < 1 || *day > days_in_month(*year, *month) ||
        *hour > 23 || *minute > 59 || *second > 60) {
        return std::nullopt;
    }
    // A leap second (:60) is the last millisecond of its minute: Unix time has no room for it.
    const int64_t leap = *second == 60 ? 1 : 0;
    const int64_t seconds = days_from_civil(*year, *month, *day) * 86400 + *hour * 3600 +
                            *minute * 60 + *second - leap - *offset;
    if (seconds < 0 || seconds > max_iso_seconds) {
        return std::nullopt;
    }
    return seconds * 1000 + (leap != 0 ? 999 : *ms);
}

} // namespace mailgate::core::base
