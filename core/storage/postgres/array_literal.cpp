#include "core/storage/postgres/array_literal.hpp"

#include "core/storage/postgres/storable_text.hpp"

namespace mailgate::core::storage::postgres {

// Every element quoted: then only '"' and '\' need escaping, whatever else the text holds
// (commas, braces, spaces, the word NULL).
array_literal& array_literal::add(std::string_view text)
{
    separate();
    text_ += '"';
    for (char c : storable_text(text)) {
        if (c == '"' || c == '\\') {
            text_ += '\\';
        }
        text_ += c;
    }
    text_ += '"';
    return *this;
}

array_literal& array_literal::add(int64_t value)
{
    separate();
    text_ += std::to_string(value);
    return *this;
}

array_literal& array_literal::add_boolean(bool value)
{
    separate();
    text_ += value ? 't' : 'f';
    return *this;
}

void array_literal::separate()
{
    if (text_.size() > 1) {
        text_ += ',';
    }
}

} // namespace mailgate::core::storage::postgres
