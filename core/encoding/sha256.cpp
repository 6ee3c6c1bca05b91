#include "core/encoding/sha256.hpp"

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

namespace mailgate::core::encoding {
namespace {

const EVP_MD* sha256_md()
{
    // Fetched once: an implicit fetch on every digest takes the provider store's lock.
    static const std::unique_ptr<EVP_MD, decltype(&EVP_MD_free)> md(
        EVP_MD_fetch(nullptr, "SHA256", nullptr), &EVP_MD_free);
    if (!md) {
        throw std::runtime_error("SHA-256 is not available");
    }
    return md.get();
}

EVP_MD_CTX* thread_context()
{
    thread_local const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(
        EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    if (!ctx) {
        throw std::bad_alloc();
    }
    return ctx.get();
}

} // namespace

sha256_digest sha256(std::string_view data)
{
    EVP_MD_CTX* ctx = thread_context();
    sha256_digest out{};
    unsigned int size = 0;
    if (EVP_DigestInit_ex(ctx, sha256_md(), nullptr) != 1 ||
        EVP_DigestUpdate(ctx, data.data(), data.size()) != 1 ||
        EVP_DigestFinal_ex(ctx, out.data(), &size) != 1) {
        throw std::runtime_error("SHA-256 failed");
    }
    return out;
}

} // namespace mailgate::core::encoding
