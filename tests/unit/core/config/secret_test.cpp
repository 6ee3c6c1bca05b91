#include "core/config/secret.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <openssl/evp.h>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <type_traits>

namespace mailgate::core::config {
namespace {

using ::testing::AnyOf;
using ::testing::Each;
using ::testing::Eq;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

const std::string wrong_key_message = "cannot decrypt: wrong key or altered value";
const std::string bad_base64_message = "enc:v1: value is not valid base64";
const std::string too_short_message = "enc:v1: value is too short";
const std::string bad_format_message = "unsupported secret format: expected an enc:v1: value";

const std::string base64_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

const unsigned char* bytes_of(std::string_view text)
{
    return reinterpret_cast<const unsigned char*>(text.data());
}

// The test's own base64, lenient, to take apart and rebuild values the library wrote.
std::string base64_encode(std::string_view data)
{
    std::string text(4 * ((data.size() + 2) / 3) + 1, '\0');
    text.resize(EVP_EncodeBlock(reinterpret_cast<unsigned char*>(text.data()), bytes_of(data),
                                static_cast<int>(data.size())));
    return text;
}

std::string base64_decode(std::string_view text)
{
    std::string data(text.size() / 4 * 3, '\0');
    const int length = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(data.data()),
                                       bytes_of(text), static_cast<int>(text.size()));
    data.resize(length - std::count(text.begin(), text.end(), '='));
    return data;
}

std::string blob_of(std::string_view value)
{
    return base64_decode(value.substr(std::string_view("enc:v1:").size()));
}

std::string value_of(std::string_view blob)
{
    return "enc:v1:" + base64_encode(blob);
}

// `text` with a bit set that its last character before the padding leaves unused, so that a
// lenient decoder reads the same bytes and a strict one refuses it.
std::string with_stray_bit(std::string text)
{
    const auto last = text.find_last_not_of('=');
    text[last] = base64_alphabet[base64_alphabet.find(text[last]) | 1];
    return text;
}

// The documented format built independently of the library: nonce | ciphertext | tag under
// AES-256-GCM with `aad`.
std::string encrypt_independently(std::string_view plaintext, const secret_key& key,
                                  std::string_view aad)
{
    std::string blob(12 + plaintext.size() + 16, '\x07');
    auto* nonce = reinterpret_cast<unsigned char*>(blob.data());
    auto* ciphertext = nonce + 12;
    EVP_CIPHER_CTX* context = EVP_CIPHER_CTX_new();
    int length = 0;
    EVP_EncryptInit_ex(context, EVP_aes_256_gcm(), nullptr, key.bytes().data(), nonce);
    EVP_EncryptUpdate(context, nullptr, &length, bytes_of(aad), static_cast<int>(aad.size()));
    EVP_EncryptUpdate(context, ciphertext, &length, bytes_of(plaintext),
                      static_cast<int>(plaintext.size()));
    EVP_EncryptFinal_ex(context, ciphertext + length, &length);
    EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_AEAD_GET_TAG, 16, ciphertext + plaintext.size());
    EVP_CIPHER_CTX_free(context);
    return value_of(blob);
}

class Secret : public ::testing::Test {
protected:
    const std::string secret_ = "correct horse battery staple";
    const secret_key key_ = secret_key::generate();
    std::filesystem::path dir_ = std::filesystem::temp_directory_path() /
                                 ("mailgate-secret-test-" + std::to_string(::getpid()));
    std::string variable_ = "MAILGATE_SECRET_TEST_" + std::to_string(::getpid());

    void SetUp() override { std::filesystem::create_directories(dir_); }
    void TearDown() override
    {
        std::filesystem::remove_all(dir_);
        ::unsetenv(variable_.c_str());
    }

    std::filesystem::path write(const std::string& content)
    {
        auto file = dir_ / "secret";
        std::ofstream(file, std::ios::binary) << content;
        return file;
    }

    // The message `action` fails with, checked to give away neither the secret nor the key.
    template <typename Action>
    std::string failure(Action action)
    {
        try {
            action();
        } catch (const std::runtime_error& e) {
            const std::string message = e.what();
            EXPECT_THAT(message, Not(HasSubstr(secret_)));
            EXPECT_THAT(message, Not(HasSubstr(key_.to_text())));
            return message;
        }
        ADD_FAILURE() << "no error";
        return "";
    }
};

static_assert(!std::is_copy_constructible_v<secret_key>);
static_assert(!std::is_copy_assignable_v<secret_key>);

TEST_F(Secret, KeyTextRoundTrips)
{
    const std::string text = key_.to_text();
    EXPECT_EQ(text.size(), 44u);
    EXPECT_EQ(secret_key::from_text(text).to_text(), text);
    EXPECT_EQ(secret_key::from_text(text).bytes(), key_.bytes());
}

TEST_F(Secret, GeneratedKeysDiffer)
{
    EXPECT_NE(secret_key::generate().to_text(), secret_key::generate().to_text());
}

TEST_F(Secret, MovedFromKeyIsWiped)
{
    auto moved = secret_key::generate();
    const auto bytes = moved.bytes();
    const secret_key target(std::move(moved));
    EXPECT_EQ(target.bytes(), bytes);
    EXPECT_THAT(moved.bytes(), Each(Eq(0))); // NOLINT(bugprone-use-after-move)
}

TEST_F(Secret, RefusesA31ByteKeyWithoutEchoingIt)
{
    const std::string text = base64_encode(std::string(31, '\x5a'));
    ASSERT_EQ(text.size(), 44u);
    const auto message = failure([&] { secret_key::from_text(text); });
    EXPECT_EQ(message, "the secrets key must be 32 bytes in base64 (44 characters)");
    EXPECT_THAT(message, Not(HasSubstr(text)));
}

TEST_F(Secret, RefusesAKeyThatIsNotStrictBase64WithoutEchoingIt)
{
    const std::string text = key_.to_text();
    for (const std::string& bad : {"!" + text.substr(1), text + "\n", " " + text,
                                   text.substr(0, 43), with_stray_bit(text), std::string()}) {
        SCOPED_TRACE(bad);
        const auto message = failure([&] { secret_key::from_text(bad); });
        EXPECT_EQ(message, "the secrets key must be 32 bytes in base64 (44 characters)");
        EXPECT_THAT(message, Not(HasSubstr(text.substr(1, 40))));
    }
}

TEST_F(Secret, RoundTripsEmptyAsciiUtf8And64KiB)
{
    std::string large(64 * 1024, '\0');
    for (std::size_t i = 0; i < large.size(); ++i) {
        large[i] = static_cast<char>(i * 7);
    }
    for (const std::string& plaintext :
         {std::string(), secret_, std::string("pâsswörd 🔑 パスワード"), large}) {
        SCOPED_TRACE(plaintext.size());
        EXPECT_EQ(decrypt_secret(encrypt_secret(plaintext, key_), key_), plaintext);
    }
}

TEST_F(Secret, ValueIsStandardBase64OfNonceCiphertextAndTag)
{
    const auto value = encrypt_secret(secret_, key_);
    EXPECT_THAT(value, StartsWith("enc:v1:"));
    EXPECT_EQ(value.find_first_not_of(base64_alphabet + "=", 7), std::string::npos);
    EXPECT_EQ(blob_of(value).size(), 12 + secret_.size() + 16);
}

TEST_F(Secret, DecryptsTheDocumentedFormatBuiltIndependently)
{
    EXPECT_EQ(decrypt_secret(encrypt_independently(secret_, key_, "mailgate-secret-v1"), key_),
              secret_);
}

TEST_F(Secret, RefusesAValueAuthenticatedForAnotherFormatVersion)
{
    const auto value = encrypt_independently(secret_, key_, "mailgate-secret-v2");
    EXPECT_EQ(failure([&] { decrypt_secret(value, key_); }), wrong_key_message);
}

TEST_F(Secret, SameTextEncryptsDifferently)
{
    const auto first = encrypt_secret(secret_, key_);
    const auto second = encrypt_secret(secret_, key_);
    EXPECT_NE(first, second);
    EXPECT_NE(blob_of(first).substr(0, 12), blob_of(second).substr(0, 12));
}

TEST_F(Secret, WrongKeyFails)
{
    const auto value = encrypt_secret(secret_, key_);
    const auto other = secret_key::generate();
    EXPECT_EQ(failure([&] { decrypt_secret(value, other); }), wrong_key_message);
}

TEST_F(Secret, EveryBitFlipInNonceCiphertextOrTagFails)
{
    const auto blob = blob_of(encrypt_secret(secret_, key_));
    for (std::size_t byte = 0; byte < blob.size(); ++byte) {
        for (int bit = 0; bit < 8; ++bit) {
            std::string altered = blob;
            altered[byte] = static_cast<char>(altered[byte] ^ (1 << bit));
            SCOPED_TRACE("byte " + std::to_string(byte) + " bit " + std::to_string(bit));
            EXPECT_EQ(failure([&] { decrypt_secret(value_of(altered), key_); }), wrong_key_message);
        }
    }
}

TEST_F(Secret, TruncatedOrExtendedValuesFail)
{
    const auto value = encrypt_secret(secret_, key_);
    for (std::size_t length = 0; length < value.size(); ++length) {
        SCOPED_TRACE(length);
        EXPECT_THAT(
            failure([&] { decrypt_secret(value.substr(0, length), key_); }),
            AnyOf(wrong_key_message, bad_base64_message, too_short_message, bad_format_message));
    }
    const auto blob = blob_of(value);
    EXPECT_EQ(failure([&] { decrypt_secret(value_of(blob.substr(0, blob.size() - 1)), key_); }),
              wrong_key_message);
    EXPECT_EQ(failure([&] { decrypt_secret(value_of(blob.substr(1)), key_); }), wrong_key_message);
    EXPECT_EQ(failure([&] { decrypt_secret(value_of(blob + '\0'), key_); }), wrong_key_message);
}

TEST_F(Secret, BadBase64Fails)
{
    const auto value = encrypt_secret(secret_, key_); // 35 bytes: one padding character
    ASSERT_TRUE(value.ends_with('=') && !value.ends_with("=="));
    const std::string body = value.substr(7, value.size() - 8); // without the padding
    // "eHk=" is the base64 of "xy".
    for (const std::string& bad :
         {"enc:v1:" + body, value + "\n", "enc:v1: " + value.substr(7),
          value.substr(0, 20) + "\n" + value.substr(20),
          "enc:v1:" + body.substr(0, 8) + "!" + body.substr(9) + "=", with_stray_bit(value),
          std::string("enc:v1:eHk"), std::string("enc:v1:eHk=="), std::string("enc:v1:eH=="),
          std::string("enc:v1:eHk=eHk="), std::string("enc:v1:e==="), std::string("enc:v1:eHk-"),
          std::string("enc:v1:eHk_")}) {
        SCOPED_TRACE(bad);
        EXPECT_EQ(failure([&] { decrypt_secret(bad, key_); }), bad_base64_message);
    }
}

TEST_F(Secret, OtherFormatVersionsAndPrefixesFail)
{
    const auto value = encrypt_secret(secret_, key_);
    for (const std::string& bad : {"enc:v2:" + value.substr(7), "ENC:v1:" + value.substr(7),
                                   value.substr(7), std::string("enc:")}) {
        SCOPED_TRACE(bad);
        EXPECT_EQ(failure([&] { decrypt_secret(bad, key_); }), bad_format_message);
    }
}

TEST_F(Secret, TooShortValuesFail)
{
    EXPECT_EQ(failure([&] { decrypt_secret("enc:v1:", key_); }), too_short_message);
    EXPECT_EQ(failure([&] { decrypt_secret(value_of(std::string(27, 'x')), key_); }),
              too_short_message);
}

TEST_F(Secret, ResolvesEnvironmentVariables)
{
    ::setenv(variable_.c_str(), secret_.c_str(), 1);
    EXPECT_EQ(resolve_secret("env:" + variable_, nullptr), secret_);
    ::setenv(variable_.c_str(), "", 1);
    EXPECT_EQ(resolve_secret("env:" + variable_, nullptr), "");
}

TEST_F(Secret, UnsetEnvironmentVariableFails)
{
    EXPECT_EQ(failure([&] { resolve_secret("env:" + variable_, nullptr); }),
              "environment variable " + variable_ + " is not set");
    EXPECT_EQ(failure([&] { resolve_secret("env:", nullptr); }), "env: value names no variable");
}

TEST_F(Secret, ResolvesFilesLessOneTrailingNewline)
{
    EXPECT_EQ(resolve_secret("file:" + write(secret_).string(), nullptr), secret_);
    EXPECT_EQ(resolve_secret("file:" + write(secret_ + "\n").string(), nullptr), secret_);
    EXPECT_EQ(resolve_secret("file:" + write(secret_ + "\r\n").string(), nullptr), secret_);
    EXPECT_EQ(resolve_secret("file:" + write(secret_ + "\n\n").string(), nullptr), secret_ + "\n");
    EXPECT_EQ(resolve_secret("file:" + write(" " + secret_ + " ").string(), nullptr),
              " " + secret_ + " ");
    EXPECT_EQ(resolve_secret("file:" + write("").string(), nullptr), "");
}

TEST_F(Secret, UnreadableFileFailsNamingThePath)
{
    const auto missing = dir_ / "missing";
    EXPECT_EQ(failure([&] { resolve_secret("file:" + missing.string(), nullptr); }),
              "cannot read secret file '" + missing.string() + "': No such file or directory");
    EXPECT_EQ(failure([&] { resolve_secret("file:" + dir_.string(), nullptr); }),
              "cannot read secret file '" + dir_.string() + "': Is a directory");
}

TEST_F(Secret, ResolvesEncryptedValuesWithTheKey)
{
    EXPECT_EQ(resolve_secret(encrypt_secret(secret_, key_), &key_), secret_);
}

TEST_F(Secret, EncryptedValueWithoutKeyFails)
{
    EXPECT_EQ(failure([&] { resolve_secret(encrypt_secret(secret_, key_), nullptr); }),
              "enc: value but no secrets key configured");
}

TEST_F(Secret, UnknownEncVersionIsRefusedNotTakenLiterally)
{
    const auto value = "enc:v2:" + encrypt_secret(secret_, key_).substr(7);
    EXPECT_EQ(failure([&] { resolve_secret(value, &key_); }), bad_format_message);
}

TEST_F(Secret, OtherValuesAreLiterals)
{
    for (const std::string& literal :
         {secret_, std::string(), std::string("envelope"), std::string("ENV:HOME"),
          std::string("https://user@host/file:x"), std::string(" env:HOME")}) {
        EXPECT_EQ(resolve_secret(literal, &key_), literal);
    }
}

TEST_F(Secret, RedactHidesEverything)
{
    EXPECT_EQ(redact(secret_), "***");
    EXPECT_EQ(redact(""), "***");
}

} // namespace
} // namespace mailgate::core::config
