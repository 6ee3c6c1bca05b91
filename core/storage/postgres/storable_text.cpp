#include "core/storage/postgres/storable_text.hpp"

#include <boost/locale/utf.hpp>

#include <algorithm>

namespace mailgate::core::storage::postgres {
namespace {

constexpr std::string_view replacement = "\xEF\xBF\xBD"; // U+FFFD

bool is_continuation(char c)
{
    return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

} // namespace

std::string storable_text(std::string_view value)
{
    namespace utf = boost::locale::utf;
    // Most text is plain ASCII: no decoding needed.
    if (std::all_of(value.begin(), value.end(),
                    [](char c) { return c > 0 && static_cast<unsigned char>(c) < 0x80; })) {
        return std::string(value);
    }
    std::string out;
    out.reserve(value.size());
    for (auto it = value.begin(); it != value.end();) {
        const auto start = it;
        const auto c = utf::utf_traits<char>::decode(it, value.end());
        if (c != utf::illegal && c != utf::incomplete && c != 0) {
            out.append(start, it);
            continue;
        }
        // One replacement for the lead byte and the continuation bytes after it: the decoder
        // may have consumed a following character (a quote, say) that belongs to the text.
        out += replacement;
        for (it = start + 1; it != value.end() && is_continuation(*it); ++it) {
        }
    }
    return out;
}

} // namespace mailgate::core::storage::postgres
