#pragma once

// A PostgreSQL array in its text form ({"a","b"}), so one parameter carries a column of many
// rows and a multi-row write is one statement with a fixed text (prepared once) instead of one
// statement per row.

#include <cstdint>
#include <string>
#include <string_view>

namespace mailgate::core::storage::postgres {

class array_literal {
public:
    /// Made storable_text first.
    array_literal& add(std::string_view text);
    array_literal& add(int64_t value);
    array_literal& add_boolean(bool value);

    /// The literal, e.g. {"a","b\"c"}; {} when nothing was added.
    std::string str() const { return text_ + '}'; }

private:
    void separate();

    std::string text_ = "{";
};

} // namespace mailgate::core::storage::postgres
