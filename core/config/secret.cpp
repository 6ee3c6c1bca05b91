#include "core/config/secret.hpp"

#include "core/encoding/base64.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <new>
#include <optional>
#include <stdexcept>
#include <system_error>

namespace mailgate::core::config {
namespace {

using encoding::base64_decode;
using encoding::base64_encode;

constexpr std::string_view v1_prefix = "enc:v1:";
// Authenticated with every value, so that a later format cannot be fed one of these unnoticed.
constexpr std::string_view v1_aad = "mailgate-secret-v1";
constexpr std::size_t nonce_size = 12;
constexpr std::size_t tag_size = 16;
// OpenSSL counts in int; the base64 of the whole value has to fit.
constexpr std::size_t max_plaintext_size = INT_MAX / 4 * 3 - nonce_size - tag_size;

const unsigned char* bytes_of(std::string_view text)
{
    return reinterpret_cast<const unsigned char*>(text.data());
}

unsigned char* bytes_of(std::string& text)
{
    return reinterpret_cast<unsigned char*>(text.data());
}

void wipe(std::string& text)
{
    OPENSSL_cleanse(text.data(), text.size());
}

using cipher_context = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

cipher_context new_cipher_context()
{
    cipher_context context(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
    if (!context) {
        throw std::bad_alloc();
    }
    return context;
}

void check(int openssl_result, const char* step)
{
    if (openssl_result != 1) {
        throw std::runtime_error(std::string("AES-256-GCM ") + step + " failed");
    }
}

std::string environment_variable(std::string_view name)
{
    if (name.empty()) {
        throw std::runtime_error("env: value names no variable");
    }
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) {
        throw std::runtime_error("environment variable " + std::string(name) + " is not set");
    }
    return value;
}

std::runtime_error file_error(const std::filesystem::path& path, const std::error_code& reason)
{
    return std::runtime_error("cannot read secret file '" + path.string() +
                              "': " + reason.message());
}

} // namespace

secret_key secret_key::from_text(std::string_view text)
{
    auto data = base64_decode(text).value_or(std::string());
    const bool valid = data.size() == size;
    secret_key key;
    if (valid) {
        std::copy(data.begin(), data.end(), key.bytes_.begin());
    }
    wipe(data);
    if (!valid) {
        throw std::runtime_error("the secrets key must be 32 bytes in base64 (44 characters)");
    }
    return key;
}

secret_key secret_key::generate()
{
    secret_key key;
    if (RAND_bytes(key.bytes_.data(), size) != 1) {
        throw std::runtime_error("cannot generate a secrets key: no random bytes available");
    }
    return key;
}

secret_key::secret_key(secret_key&& other) noexcept : bytes_(other.bytes_)
{
    OPENSSL_cleanse(other.bytes_.data(), size);
}

secret_key& secret_key::operator=(secret_key&& other) noexcept
{
    if (this != &other) {
        bytes_ = other.bytes_;
        OPENSSL_cleanse(other.bytes_.data(), size);
    }
    return *this;
}

secret_key::~secret_key()
{
    OPENSSL_cleanse(bytes_.data(), size);
}

std::string secret_key::to_text() const
{
    return base64_encode({reinterpret_cast<const char*>(bytes_.data()), size});
}

std::string encrypt_secret(std::string_view plaintext, const secret_key& key)
{
    if (plaintext.size() > max_plaintext_size) {
        throw std::runtime_error("the secret is too long to encrypt");
    }
    std::string blob(nonce_size + plaintext.size() + tag_size, '\0');
    unsigned char* nonce = bytes_of(blob);
    unsigned char* ciphertext = nonce + nonce_size;
    unsigned char* tag = ciphertext + plaintext.size();
    check(RAND_bytes(nonce, nonce_size), "nonce generation");

    const auto context = new_cipher_context();
    int length = 0;
    check(EVP_EncryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, key.bytes().data(), nonce),
          "setup");
    check(EVP_EncryptUpdate(context.get(), nullptr, &length, bytes_of(v1_aad),
                            static_cast<int>(v1_aad.size())),
          "authentication");
    check(EVP_EncryptUpdate(context.get(), ciphertext, &length, bytes_of(plaintext),
                            static_cast<int>(plaintext.size())),
          "encryption");
    check(EVP_EncryptFinal_ex(context.get(), ciphertext + length, &length), "encryption");
    check(EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_AEAD_GET_TAG, tag_size, tag), "tag");
    return std::string(v1_prefix) + base64_encode(blob);
}

std::string decrypt_secret(std::string_view value, const secret_key& key)
{
    if (!value.starts_with(v1_prefix)) {
        throw std::runtime_error("unsupported secret format: expected an enc:v1: value");
    }
    auto blob = base64_decode(value.substr(v1_prefix.size()));
    if (!blob) {
        throw std::runtime_error("enc:v1: value is not valid base64");
    }
    if (blob->size() < nonce_size + tag_size) {
        throw std::runtime_error("enc:v1: value is too short");
    }
    unsigned char* nonce = bytes_of(*blob);
    unsigned char* ciphertext = nonce + nonce_size;
    const std::size_t ciphertext_size = blob->size() - nonce_size - tag_size;
    unsigned char* tag = ciphertext + ciphertext_size;

    const auto context = new_cipher_context();
    std::string plaintext(ciphertext_size, '\0');
    int length = 0;
    check(EVP_DecryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, key.bytes().data(), nonce),
          "setup");
    check(EVP_DecryptUpdate(context.get(), nullptr, &length, bytes_of(v1_aad),
                            static_cast<int>(v1_aad.size())),
          "authentication");
    check(EVP_DecryptUpdate(context.get(), bytes_of(plaintext), &length, ciphertext,
                            static_cast<int>(ciphertext_size)),
          "decryption");
    check(EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_AEAD_SET_TAG, tag_size, tag), "tag");
    if (EVP_DecryptFinal_ex(context.get(), bytes_of(plaintext) + length, &length) != 1) {
        // GCM decrypts before it checks the tag: what is in the buffer is unauthenticated.
        wipe(plaintext);
        throw std::runtime_error("cannot decrypt: wrong key or altered value");
    }
    return plaintext;
}

std::string without_trailing_newline(std::string text)
{
    if (text.ends_with("\r\n")) {
        text.resize(text.size() - 2);
    } else if (text.ends_with('\n')) {
        text.pop_back();
    }
    return text;
}

std::string read_secret_file(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw file_error(path, {errno, std::generic_category()});
    }
    try {
        return without_trailing_newline(std::string(std::istreambuf_iterator<char>(in), {}));
    } catch (const std::ios_base::failure& e) {
        // libstdc++ reports a read error (a folder, a failing disk) this way, without the path.
        throw file_error(path, e.code());
    }
}

std::string resolve_secret(std::string_view value, const secret_key* key)
{
    if (value.starts_with("env:")) {
        return environment_variable(value.substr(4));
    }
    if (value.starts_with("file:")) {
        return read_secret_file(value.substr(5));
    }
    // Every enc: value is ours, so an unknown version is refused instead of used as a literal.
    if (value.starts_with("enc:")) {
        if (key == nullptr) {
            throw std::runtime_error("enc: value but no secrets key configured");
        }
        return decrypt_secret(value, *key);
    }
    return std::string(value);
}

bool is_written_secret(std::string_view value)
{
    return !value.starts_with("env:") && !value.starts_with("file:") && !value.starts_with("enc:");
}

std::string redact(std::string_view)
{
    return "***";
}

} // namespace mailgate::core::config
