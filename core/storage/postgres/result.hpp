#pragma once

// One statement's result, in libpq's text format: rows of columns, read by position.

#include <cstdint>
#include <memory>
#include <string>

struct pg_result;

namespace mailgate::core::storage::postgres {

class result {
public:
    /// Takes ownership.
    explicit result(pg_result* r) noexcept;

    int rows() const noexcept;
    std::string text(int row, int column) const;
    /// Throws std::runtime_error when the column does not hold an integer.
    int64_t integer(int row, int column) const;
    bool boolean(int row, int column) const;
    /// A bytea column's bytes. Throws std::runtime_error when it cannot be decoded.
    std::string bytes(int row, int column) const;
    /// Rows an INSERT, UPDATE or DELETE changed.
    int64_t changed() const;

    /// For the connection, which checks the status. Null when libpq had no result to give.
    pg_result* get() const noexcept { return result_.get(); }

private:
    struct clear_result {
        void operator()(pg_result* r) const noexcept;
    };
    std::unique_ptr<pg_result, clear_result> result_;
};

} // namespace mailgate::core::storage::postgres
