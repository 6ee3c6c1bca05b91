// The legacy driver's parse_callback, the real mailgate-legacy.so loaded through the SDK's fake
// host (driver_fuzz.hpp, which says what every result is checked for).
//
// Input: the body of a POST. The format carries no signature or token and the driver reads
// nothing of the request but its method and body, so the bytes go straight to the parser. On
// top of the shared checks, what the driver itself promises of an event: an email of at most
// 254 bytes with an '@' in it, and a time from 0 to 9999-12-31.

#include "driver_fuzz.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace {

namespace fuzz = mailgate::fuzz;

const mailgate::sdk::testing::fake_host::instance* legacy = nullptr;

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    legacy = &fuzz::create_instance(MAILGATE_LEGACY_DRIVER, {{"host", "smtp.example.com"}});
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const auto result = fuzz::host().post(*legacy, std::string(fuzz::view(data, size)));
    fuzz::check(result);
    for (const auto& event : result.events) {
        if (event.email.empty() || event.email.size() > 254 ||
            event.email.find('@') == std::string::npos) {
            fuzz::fail("an email the driver should have refused", event.email);
        }
        if (event.occurred_at < 0 || event.occurred_at > 253402300799) {
            fuzz::fail("a time the driver should have refused", std::to_string(event.occurred_at));
        }
    }
    return 0;
}
