#pragma once

// A statement's parameters, bound in order ($1, $2, ...). Text goes in libpq's text format,
// bytes in binary format (bytea needs no escaping then).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mailgate::core::storage::postgres {

class params {
public:
    /// Made storable_text first.
    params& text(std::string_view value);
    params& integer(int64_t value);
    params& boolean(bool value);
    /// For a bytea parameter: kept byte for byte.
    params& bytes(std::string_view value);

    int size() const noexcept { return static_cast<int>(values_.size()); }
    /// For libpq; valid while the params live unchanged.
    std::vector<const char*> values() const;
    std::vector<int> lengths() const;
    const int* formats() const noexcept { return formats_.data(); }

private:
    std::vector<std::string> values_;
    std::vector<int> formats_;
};

} // namespace mailgate::core::storage::postgres
