#include "core/outbound/mime/random_token.hpp"

#include "core/encoding/base64.hpp"

#include <fmt/format.h>
#include <openssl/rand.h>

#include <array>
#include <stdexcept>

namespace mailgate::core::outbound::mime {

namespace {

template <std::size_t N>
std::string random_base64url()
{
    std::array<unsigned char, N> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
        throw std::runtime_error("no random bytes available");
    }
    return encoding::base64url_encode({reinterpret_cast<const char*>(bytes.data()), bytes.size()});
}

} // namespace

std::string random_token()
{
    return random_base64url<16>();
}

std::string time_ordered_token(int64_t unix_ms)
{
    return fmt::format("{:012x}", static_cast<uint64_t>(unix_ms) & 0xffff'ffff'ffffU) +
           random_base64url<12>();
}

} // namespace mailgate::core::outbound::mime
