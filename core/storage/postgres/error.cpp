#include "core/storage/postgres/error.hpp"

#include <algorithm>

namespace mailgate::core::storage::postgres {
namespace {

constexpr int base = 36;
constexpr std::size_t sqlstate_length = 5;

int digit_of(char c) noexcept
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'A' && c <= 'Z') {
        return c - 'A' + 10;
    }
    return -1;
}

char char_of(int digit) noexcept
{
    return static_cast<char>(digit < 10 ? '0' + digit : 'A' + digit - 10);
}

// Plus one: "00000" (success) must not be the error_code that means no error.
int pack(std::string_view sqlstate) noexcept
{
    int packed = 0;
    for (char c : sqlstate) {
        packed = packed * base + digit_of(c);
    }
    return packed + 1;
}

std::string unpack(int code)
{
    std::string out(sqlstate_length, '0');
    int rest = code - 1;
    for (std::size_t i = sqlstate_length; i-- > 0 && rest > 0; rest /= base) {
        out[i] = char_of(rest % base);
    }
    return out;
}

bool valid(std::string_view sqlstate) noexcept
{
    return sqlstate.size() == sqlstate_length &&
           std::all_of(sqlstate.begin(), sqlstate.end(), [](char c) { return digit_of(c) >= 0; });
}

class category final : public std::error_category {
public:
    const char* name() const noexcept override { return "postgres"; }
    std::string message(int code) const override { return "SQLSTATE " + unpack(code); }
};

} // namespace

const std::error_category& postgres_category() noexcept
{
    static const category instance;
    return instance;
}

std::error_code make_postgres_error_code(std::string_view sqlstate) noexcept
{
    return {pack(valid(sqlstate) ? sqlstate : sqlstate::connection_failure), postgres_category()};
}

bool is_transient(std::error_code code) noexcept
{
    return code == make_postgres_error_code(sqlstate::deadlock_detected) ||
           code == make_postgres_error_code(sqlstate::serialization_failure);
}

bool is_connection_lost(std::error_code code) noexcept
{
    if (code.category() != postgres_category()) {
        return false;
    }
    const std::string state = unpack(code.value());
    return state.starts_with("08") || state == "57P01" || state == "57P02" || state == "57P03";
}

} // namespace mailgate::core::storage::postgres
