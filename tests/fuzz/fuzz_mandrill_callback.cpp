// The mandrill driver's parse_callback, the real mailgate-mandrill.so loaded through the SDK's
// fake host (driver_fuzz.hpp, which says what every result is checked for).
//
// Input: byte 0 (mod 3) picks the mode, the rest is the request. Random bytes never carry a
// valid HMAC, and the events travel URL-encoded in a form field, so two of the modes reach the
// parsers past both:
// - 0: the rest is a whole request, "METHOD TARGET\nName: value\n...\n\nBODY"
//   (fuzz::read_request), to an instance with a webhook key: the Content-Type check, the form
//   decoding and the X-Mandrill-Signature check as a caller meets them.
// - 1: the rest is a form body (mandrill_events=...) posted as a form to an instance with
//   allow_unsigned and no key: the form, then the events in it.
// - 2: the rest is the events' JSON, which the harness posts form-encoded as mandrill_events to
//   the keyed instance, signed as Mandrill signs (HMAC-SHA1 over the URL and the field): the
//   signature's success and the event parser, reached by JSON mutations.
// The meta token of the seeds verifies, so events reach the attributed path.

#include "driver_fuzz.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

namespace fuzz = mailgate::fuzz;
using mailgate::sdk::testing::fake_host;

constexpr const char* webhook_key = "fuzz-webhook-key";
constexpr const char* form_type = "application/x-www-form-urlencoded";

const fake_host::instance* keyed = nullptr;
const fake_host::instance* unsigned_only = nullptr;

// Every byte but the unreserved ones as %XX, as a form may send any of them.
std::string form_encode(std::string_view text)
{
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size() * 3);
    for (unsigned char c : text) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        }
    }
    return out;
}

// base64(HMAC-SHA1(key, url + "mandrill_events" + events)): the one field's signature.
std::string sign(std::string_view url, std::string_view events)
{
    const std::string text = std::string(url) + "mandrill_events" + std::string(events);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (HMAC(EVP_sha1(), webhook_key, static_cast<int>(std::string_view(webhook_key).size()),
             reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest,
             &size) == nullptr) {
        fuzz::fail("signing", "HMAC failed");
    }
    unsigned char base64[64];
    const int length = EVP_EncodeBlock(base64, digest, static_cast<int>(size));
    return std::string(reinterpret_cast<const char*>(base64), length);
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    keyed = &fuzz::create_instance(MAILGATE_MANDRILL_DRIVER, {{"webhook_key", webhook_key}});
    unsigned_only = &fuzz::create_instance(MAILGATE_MANDRILL_DRIVER, {{"allow_unsigned", "true"}});
    fuzz::accept_meta("m1Bm0tMDAwMgAA.nl7uZ02uvIbgEKOuggvW-w", "b@example.com");
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0) {
        return 0;
    }
    const std::string_view rest = fuzz::view(data + 1, size - 1);
    switch (data[0] % 3) {
    case 0:
        fuzz::check(fuzz::host().parse(*keyed, fuzz::read_request(rest)));
        break;
    case 1:
        fuzz::check(
            fuzz::host().post(*unsigned_only, std::string(rest), {{"Content-Type", form_type}}));
        break;
    default: {
        mailgate::sdk::testing::request req;
        req.body = "mandrill_events=" + form_encode(rest);
        req.headers = {{"Content-Type", form_type},
                       {"X-Mandrill-Signature", sign(req.public_url, rest)}};
        const auto result = fuzz::host().parse(*keyed, req);
        if (result.status == MG_UNAUTHORIZED) {
            fuzz::fail("a form signed with the webhook key refused", result.error);
        }
        fuzz::check(result);
        break;
    }
    }
    return 0;
}
