#include "core/encoding/utf8.hpp"

#include <boost/locale/utf.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace mailgate::core::encoding {
namespace {

using traits = boost::locale::utf::utf_traits<char>;

} // namespace

// Eight bytes at a time: it runs over whole messages, and a byte-wise loop with an early exit
// is not vectorised.
bool is_ascii(std::string_view text)
{
    constexpr uint64_t high_bits = 0x8080808080808080U;
    std::size_t i = 0;
    for (; i + sizeof(uint64_t) <= text.size(); i += sizeof(uint64_t)) {
        uint64_t word = 0;
        std::memcpy(&word, text.data() + i, sizeof word);
        if ((word & high_bits) != 0) {
            return false;
        }
    }
    return std::all_of(text.begin() + static_cast<std::ptrdiff_t>(i), text.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

bool is_valid_utf8(std::string_view text)
{
    const char* p = text.data();
    const char* const end = p + text.size();
    while (p != end) {
        const auto c = traits::decode(p, end);
        if (c == boost::locale::utf::illegal || c == boost::locale::utf::incomplete) {
            return false;
        }
    }
    return true;
}

std::string to_valid_utf8(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    const char* p = text.data();
    const char* const end = p + text.size();
    while (p != end) {
        const char* const start = p;
        const auto c = traits::decode(p, end);
        if (c == boost::locale::utf::illegal || c == boost::locale::utf::incomplete) {
            out += "\xEF\xBF\xBD";
            p = start + 1; // resynchronise on the next octet
        } else {
            out.append(start, p);
        }
    }
    return out;
}

std::size_t utf8_char_size(std::string_view text, std::size_t pos)
{
    // At least one, so that a caller that skipped validation still makes progress.
    return static_cast<std::size_t>(std::max(traits::trail_length(text[pos]), 0)) + 1;
}

} // namespace mailgate::core::encoding
