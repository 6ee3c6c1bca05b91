#include "core/storage/sqlite/error.hpp"

#include <sqlite3.h>

namespace mailgate::core::storage::sqlite {
namespace {

class category final : public std::error_category {
public:
    const char* name() const noexcept override { return "sqlite"; }
    std::string message(int code) const override { return sqlite3_errstr(code); }
};

} // namespace

const std::error_category& sqlite_category() noexcept
{
    static const category instance;
    return instance;
}

std::error_code make_sqlite_error_code(int result_code) noexcept
{
    return {result_code, sqlite_category()};
}

} // namespace mailgate::core::storage::sqlite
