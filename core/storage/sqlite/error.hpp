#pragma once

// SQLite failures as std::error_code, so a batch's `done` can carry them. The code is SQLite's
// extended result code; the statement-specific text (which constraint, which file) is only in
// the exception and the log, an error_code cannot carry it.

#include <string>
#include <system_error>

namespace mailgate::core::storage::sqlite {

/// Named "sqlite"; message() is SQLite's text for the result code.
const std::error_category& sqlite_category() noexcept;

std::error_code make_sqlite_error_code(int result_code) noexcept;

class sqlite_error : public std::system_error {
public:
    sqlite_error(int result_code, const std::string& what)
        : std::system_error(make_sqlite_error_code(result_code), what)
    {
    }
};

} // namespace mailgate::core::storage::sqlite
