#include "core/storage/postgres/result.hpp"

#include <libpq-fe.h>

#include <charconv>
#include <cstring>
#include <stdexcept>

namespace mailgate::core::storage::postgres {
namespace {

int64_t parse_integer(const char* text)
{
    int64_t value = 0;
    const char* end = text + std::strlen(text);
    auto [stop, ec] = std::from_chars(text, end, value);
    if (ec != std::errc() || stop != end) {
        throw std::runtime_error(std::string("not an integer: ") + text);
    }
    return value;
}

} // namespace

void result::clear_result::operator()(pg_result* r) const noexcept
{
    PQclear(r);
}

result::result(pg_result* r) noexcept : result_(r) {}

int result::rows() const noexcept
{
    return PQntuples(result_.get());
}

std::string result::text(int row, int column) const
{
    return {PQgetvalue(result_.get(), row, column),
            static_cast<std::size_t>(PQgetlength(result_.get(), row, column))};
}

int64_t result::integer(int row, int column) const
{
    return parse_integer(PQgetvalue(result_.get(), row, column));
}

bool result::boolean(int row, int column) const
{
    return PQgetvalue(result_.get(), row, column)[0] == 't';
}

std::string result::bytes(int row, int column) const
{
    std::size_t length = 0;
    const auto* escaped =
        reinterpret_cast<const unsigned char*>(PQgetvalue(result_.get(), row, column));
    std::unique_ptr<unsigned char, decltype(&PQfreemem)> raw(PQunescapeBytea(escaped, &length),
                                                             &PQfreemem);
    if (!raw) {
        throw std::runtime_error("cannot decode a bytea value");
    }
    return {reinterpret_cast<const char*>(raw.get()), length};
}

int64_t result::changed() const
{
    const char* count = PQcmdTuples(result_.get());
    return count[0] == '\0' ? 0 : parse_integer(count);
}

} // namespace mailgate::core::storage::postgres
