#include "core/encoding/base64.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <climits>

namespace mailgate::core::encoding {
namespace {

const unsigned char* bytes_of(std::string_view text)
{
    return reinterpret_cast<const unsigned char*>(text.data());
}

unsigned char* bytes_of(std::string& text)
{
    return reinterpret_cast<unsigned char*>(text.data());
}

} // namespace

std::string base64_encode(std::string_view data)
{
    // EVP_EncodeBlock writes a terminating NUL after the text.
    std::string text(4 * ((data.size() + 2) / 3) + 1, '\0');
    text.resize(EVP_EncodeBlock(bytes_of(text), bytes_of(data), static_cast<int>(data.size())));
    return text;
}

// EVP_DecodeBlock skips surrounding white space, ignores stray bits and counts padding as
// data, so only a text that the result encodes back to exactly is accepted.
std::optional<std::string> base64_decode(std::string_view text)
{
    if (text.size() % 4 != 0 || text.size() > INT_MAX) {
        return std::nullopt;
    }
    std::string data(text.size() / 4 * 3, '\0');
    const int length =
        EVP_DecodeBlock(bytes_of(data), bytes_of(text), static_cast<int>(text.size()));
    const auto padding = text.ends_with("==") ? 2 : text.ends_with('=') ? 1 : 0;
    if (length < padding) {
        return std::nullopt;
    }
    data.resize(length - padding);
    if (base64_encode(data) != text) {
        return std::nullopt;
    }
    return data;
}

std::string base64url_encode(std::string_view data)
{
    std::string text = base64_encode(data);
    std::replace(text.begin(), text.end(), '+', '-');
    std::replace(text.begin(), text.end(), '/', '_');
    text.erase(text.find_last_not_of('=') + 1);
    return text;
}

std::optional<std::string> base64url_decode(std::string_view text)
{
    if (text.find_first_of("+/=") != std::string_view::npos) {
        return std::nullopt;
    }
    std::string standard(text);
    std::replace(standard.begin(), standard.end(), '-', '+');
    std::replace(standard.begin(), standard.end(), '_', '/');
    standard.append((4 - standard.size() % 4) % 4, '=');
    return base64_decode(standard);
}

} // namespace mailgate::core::encoding
