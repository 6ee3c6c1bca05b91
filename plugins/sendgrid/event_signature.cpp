#include "event_signature.hpp"

#include <openssl/err.h>
#include <openssl/x509.h>

#include <array>
#include <cstddef>
#include <new>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace mailgate::sendgrid {
namespace {

constexpr std::string_view base64_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view whitespace = " \t\r\n";
constexpr std::string_view p256_group = "prime256v1";

struct md_ctx_free {
    void operator()(EVP_MD_CTX* ctx) const noexcept { EVP_MD_CTX_free(ctx); }
};

// Padded standard base64, nothing else. EVP_DecodeBlock alone is lenient (it skips whitespace
// and reads '=' anywhere) and counts padding as zero bytes, so the text is checked first and
// the padding taken off its result.
std::optional<std::vector<unsigned char>> decode_base64(std::string_view text)
{
    std::size_t padding = text.ends_with("==") ? 2 : text.ends_with('=') ? 1 : 0;
    std::string_view digits = text.substr(0, text.size() - padding);
    if (text.empty() || text.size() % 4 != 0 ||
        digits.find_first_not_of(base64_alphabet) != std::string_view::npos) {
        return std::nullopt;
    }
    std::vector<unsigned char> out(text.size() / 4 * 3);
    int size = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                               static_cast<int>(text.size()));
    if (size < 0) {
        return std::nullopt;
    }
    out.resize(static_cast<std::size_t>(size) - padding);
    return out;
}

std::string_view trim(std::string_view text)
{
    std::size_t first = text.find_first_not_of(whitespace);
    if (first == std::string_view::npos) {
        return {};
    }
    return text.substr(first, text.find_last_not_of(whitespace) - first + 1);
}

bool is_p256(EVP_PKEY* key)
{
    std::array<char, 64> group{};
    std::size_t size = 0;
    return EVP_PKEY_is_a(key, "EC") == 1 &&
           EVP_PKEY_get_group_name(key, group.data(), group.size(), &size) == 1 &&
           std::string_view(group.data(), size) == p256_group;
}

} // namespace

verification_key::verification_key(std::string_view base64_der)
{
    std::optional<std::vector<unsigned char>> der = decode_base64(trim(base64_der));
    if (!der) {
        throw std::invalid_argument("is not base64: paste the key exactly as SendGrid shows it");
    }
    const unsigned char* next = der->data();
    key_.reset(d2i_PUBKEY(nullptr, &next, static_cast<long>(der->size())));
    // OpenSSL's queue is per thread: what a failed parse left there must not surface elsewhere.
    ERR_clear_error();
    if (!key_ || next != der->data() + der->size()) {
        throw std::invalid_argument("is not a DER public key (SubjectPublicKeyInfo)");
    }
    if (!is_p256(key_.get())) {
        throw std::invalid_argument("is not an ECDSA P-256 (prime256v1) public key");
    }
    sha256_.reset(EVP_MD_fetch(nullptr, "SHA256", nullptr));
    if (!sha256_) {
        ERR_clear_error();
        throw std::runtime_error("OpenSSL has no SHA-256");
    }
}

bool verification_key::verify(std::string_view timestamp, std::string_view body,
                              std::string_view signature_base64) const
{
    std::optional<std::vector<unsigned char>> signature = decode_base64(signature_base64);
    if (!signature) {
        return false;
    }
    std::unique_ptr<EVP_MD_CTX, md_ctx_free> ctx(EVP_MD_CTX_new());
    if (!ctx) {
        throw std::bad_alloc();
    }
    // Fed in two parts rather than through one-shot EVP_DigestVerify, which would need the
    // timestamp and a body of up to 768 KB copied together first.
    if (EVP_DigestVerifyInit(ctx.get(), nullptr, sha256_.get(), nullptr, key_.get()) != 1 ||
        EVP_DigestVerifyUpdate(ctx.get(), timestamp.data(), timestamp.size()) != 1 ||
        EVP_DigestVerifyUpdate(ctx.get(), body.data(), body.size()) != 1) {
        ERR_clear_error();
        throw std::runtime_error("OpenSSL could not start a signature check");
    }
    int verdict = EVP_DigestVerifyFinal(ctx.get(), signature->data(), signature->size());
    // A refused signature leaves its reasons on this thread's error queue.
    ERR_clear_error();
    return verdict == 1;
}

} // namespace mailgate::sendgrid
