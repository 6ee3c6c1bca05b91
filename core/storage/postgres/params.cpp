#include "core/storage/postgres/params.hpp"

#include "core/storage/postgres/storable_text.hpp"

namespace mailgate::core::storage::postgres {
namespace {

constexpr int text_format = 0;
constexpr int binary_format = 1;

} // namespace

params& params::text(std::string_view value)
{
    values_.push_back(storable_text(value));
    formats_.push_back(text_format);
    return *this;
}

params& params::integer(int64_t value)
{
    values_.push_back(std::to_string(value));
    formats_.push_back(text_format);
    return *this;
}

params& params::boolean(bool value)
{
    values_.emplace_back(value ? "t" : "f");
    formats_.push_back(text_format);
    return *this;
}

params& params::bytes(std::string_view value)
{
    values_.emplace_back(value);
    formats_.push_back(binary_format);
    return *this;
}

std::vector<const char*> params::values() const
{
    std::vector<const char*> out;
    out.reserve(values_.size());
    for (const auto& v : values_) {
        out.push_back(v.c_str());
    }
    return out;
}

std::vector<int> params::lengths() const
{
    std::vector<int> out;
    out.reserve(values_.size());
    for (const auto& v : values_) {
        out.push_back(static_cast<int>(v.size()));
    }
    return out;
}

} // namespace mailgate::core::storage::postgres
