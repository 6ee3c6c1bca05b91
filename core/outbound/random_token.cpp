#include "core/outbound/random_token.hpp"

#include "core/encoding/base64.hpp"

#include <openssl/rand.h>

#include <array>
#include <stdexcept>

namespace mailgate::core::outbound {

std::string random_token()
{
    std::array<unsigned char, 16> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
        throw std::runtime_error("no random bytes available");
    }
    return encoding::base64url_encode({reinterpret_cast<const char*>(bytes.data()), bytes.size()});
}

} // namespace mailgate::core::outbound
