#pragma once

// PostgreSQL failures as std::error_code, so a batch's `done` can carry them. The code is the
// SQLSTATE (packed into an int); the server's message (which constraint, which row) is only in
// the exception and the log. Failures of the connection itself, which have no SQLSTATE from
// the server, are connection_failure (08006).

#include <string>
#include <string_view>
#include <system_error>

namespace mailgate::core::storage::postgres {

/// Named "postgres"; message() is "SQLSTATE " and the five characters.
const std::error_category& postgres_category() noexcept;

/// `sqlstate`: five characters of [0-9A-Z]; anything else counts as connection_failure.
std::error_code make_postgres_error_code(std::string_view sqlstate) noexcept;

namespace sqlstate {
inline constexpr std::string_view connection_failure = "08006";
inline constexpr std::string_view unique_violation = "23505";
inline constexpr std::string_view check_violation = "23514";
inline constexpr std::string_view serialization_failure = "40001";
inline constexpr std::string_view deadlock_detected = "40P01";
} // namespace sqlstate

/// A deadlock or serialization failure: the transaction was rolled back and may run again.
bool is_transient(std::error_code code) noexcept;
/// Class 08 (and 57P01-03, the server shutting down): the connection is gone.
bool is_connection_lost(std::error_code code) noexcept;

class postgres_error : public std::system_error {
public:
    postgres_error(std::string_view sqlstate, const std::string& what)
        : std::system_error(make_postgres_error_code(sqlstate), what)
    {
    }
};

} // namespace mailgate::core::storage::postgres
