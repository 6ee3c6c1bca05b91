// The sendgrid driver's parse_callback, the real mailgate-sendgrid.so loaded through the SDK's
// fake host (driver_fuzz.hpp, which says what every result is checked for).
//
// Input: byte 0 (mod 4) picks the mode, the rest is the request. Random bytes never carry a
// valid ECDSA signature, so two of the modes reach the Event Webhook parser past it:
// - 0: the rest is a whole request, "METHOD TARGET\nName: value\n...\n\nBODY"
//   (fuzz::read_request), to an instance with a verification key: the signature and timestamp
//   headers as a caller writes them, their base64, DER and number parsing.
// - 1: the rest is the body of a POST to an instance with allow_unsigned and no key.
// - 2: the rest is the body of a POST to the keyed instance, signed here as SendGrid signs
//   (ECDSA P-256 over the timestamp, now, and the body, with a key made at start): the
//   verification's success and the parser behind it.
// - 3: the rest is a whole request, as in 0, to an instance with allow_unsigned and a callback
//   token (?token= or Authorization: Bearer, in the dictionary).
// The meta token of the seeds verifies, so events reach the attributed path.

#include "driver_fuzz.hpp"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace fuzz = mailgate::fuzz;
using mailgate::sdk::testing::fake_host;

const fake_host::instance* keyed = nullptr;
const fake_host::instance* unsigned_only = nullptr;
const fake_host::instance* token_only = nullptr;
EVP_PKEY* signing_key = nullptr;

std::string base64(const unsigned char* bytes, std::size_t size)
{
    std::string out(4 * ((size + 2) / 3), '\0');
    EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes, static_cast<int>(size));
    return out;
}

// As SendGrid shows it: base64 of the DER SubjectPublicKeyInfo.
std::string public_key()
{
    unsigned char* der = nullptr;
    const int size = i2d_PUBKEY(signing_key, &der);
    if (size <= 0) {
        throw std::runtime_error("i2d_PUBKEY failed");
    }
    std::string out = base64(der, static_cast<std::size_t>(size));
    OPENSSL_free(der);
    return out;
}

std::string sign(const std::string& timestamp, std::string_view body)
{
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    const std::string message = timestamp + std::string(body);
    const auto* bytes = reinterpret_cast<const unsigned char*>(message.data());
    std::size_t size = 0;
    if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, signing_key) != 1 ||
        EVP_DigestSign(ctx.get(), nullptr, &size, bytes, message.size()) != 1) {
        fuzz::fail("signing", "EVP_DigestSign failed");
    }
    std::vector<unsigned char> der(size);
    if (EVP_DigestSign(ctx.get(), der.data(), &size, bytes, message.size()) != 1) {
        fuzz::fail("signing", "EVP_DigestSign failed");
    }
    return base64(der.data(), size);
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    signing_key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    if (signing_key == nullptr) {
        throw std::runtime_error("EC key generation failed");
    }
    keyed = &fuzz::create_instance(MAILGATE_SENDGRID_DRIVER, {{"verification_key", public_key()}});
    unsigned_only = &fuzz::create_instance(MAILGATE_SENDGRID_DRIVER, {{"allow_unsigned", "true"}});
    token_only = &fuzz::create_instance(
        MAILGATE_SENDGRID_DRIVER,
        {{"allow_unsigned", "true"}, {"callback_token", "sendgrid-callback-token"}});
    fuzz::accept_meta("m1Bm0tMDAwMQAA.iL_EKkyyZCcyVboqfJjQXA", "a@example.com");
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0) {
        return 0;
    }
    const std::string_view rest = fuzz::view(data + 1, size - 1);
    switch (data[0] % 4) {
    case 0:
        fuzz::check(fuzz::host().parse(*keyed, fuzz::read_request(rest)));
        break;
    case 1:
        fuzz::check(fuzz::host().post(*unsigned_only, std::string(rest)));
        break;
    case 3:
        fuzz::check(fuzz::host().parse(*token_only, fuzz::read_request(rest)));
        break;
    default: {
        const std::string now =
            std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count());
        const auto result =
            fuzz::host().post(*keyed, std::string(rest),
                              {{"X-Twilio-Email-Event-Webhook-Signature", sign(now, rest)},
                               {"X-Twilio-Email-Event-Webhook-Timestamp", now}});
        if (result.status == MG_UNAUTHORIZED) {
            fuzz::fail("a body signed with the verification key refused", result.error);
        }
        fuzz::check(result);
        break;
    }
    }
    return 0;
}
