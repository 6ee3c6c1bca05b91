// The smtp driver's parse_callback, the real mailgate-smtp.so loaded through the SDK's fake host
// (driver_fuzz.hpp, which says what every result is checked for).
//
// Input: byte 0 picks one of two instances, the rest is the request.
// - Byte 0 even: the rest is a whole request, "METHOD TARGET\nName: value\n...\n\nBODY"
//   (fuzz::read_request), to an instance that wants both a callback token (?token=,
//   X-Mailgate-Token or Authorization: Bearer) and HTTP Basic credentials: the credential
//   checks and the header and query parsing behind them. The dictionary holds the credentials,
//   so passing them is a mutation away.
// - Byte 0 odd: the rest is the body of a POST to an instance without credentials: the v2
//   parser, which random bytes would otherwise reach only past both checks.
// The meta tokens of the seeds verify, so items reach the event they make.

#include "driver_fuzz.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace {

namespace fuzz = mailgate::fuzz;
using mailgate::sdk::testing::fake_host;

const fake_host::instance* guarded = nullptr;
const fake_host::instance* open = nullptr;

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    guarded =
        &fuzz::create_instance(MAILGATE_SMTP_DRIVER, {{"host", "smtp.example.com"},
                                                      {"callback_token", "smtp-callback-token"},
                                                      {"callback_username", "esp"},
                                                      {"callback_password", "fuzz-password"}});
    open = &fuzz::create_instance(MAILGATE_SMTP_DRIVER, {{"host", "smtp.example.com"}});
    fuzz::accept_meta("m1CW1zZy11c2VyMQZzcHJpbmcA.tSDP0BeqwMZnMbKRG5BKgg", "user1@example.com");
    fuzz::accept_meta("m1CW1zZy11c2VyMwZzcHJpbmcA.dQgXh2nDC8M23ZipFUEBcw", "user3@example.com");
    fuzz::accept_meta("m1CW1zZy11c2VyNQZzcHJpbmcA.R1Bzbbl_u0IX6Q-jEmRHbQ", "user5@example.com");
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0) {
        return 0;
    }
    const std::string_view rest = fuzz::view(data + 1, size - 1);
    if (data[0] % 2 == 0) {
        fuzz::check(fuzz::host().parse(*guarded, fuzz::read_request(rest)));
    } else {
        fuzz::check(fuzz::host().post(*open, std::string(rest)));
    }
    return 0;
}
