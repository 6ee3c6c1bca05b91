#pragma once

// Credentials in the configuration file. A value is written as `env:NAME`, `file:PATH`,
// `enc:v1:...` (AES-256-GCM under a key the operator holds) or as a literal. No error raised
// here ever contains a secret or a key, so callers may prefix them with `file:line:column:` and
// show them as they are.

#include <array>
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

namespace mailgate::core::config {

/// The operator's secrets key: 32 random bytes, written as standard base64 (44 characters).
/// Move-only so that copies of it do not spread through memory; wiped when destroyed.
class secret_key {
public:
    static constexpr std::size_t size = 32;

    /// Throws std::runtime_error, without repeating the text, unless it is 32 bytes in base64.
    static secret_key from_text(std::string_view text);
    static secret_key generate();

    secret_key(secret_key&& other) noexcept;
    secret_key& operator=(secret_key&& other) noexcept;
    secret_key(const secret_key&) = delete;
    secret_key& operator=(const secret_key&) = delete;
    ~secret_key();

    std::string to_text() const;
    const std::array<unsigned char, size>& bytes() const noexcept { return bytes_; }

private:
    secret_key() = default;

    std::array<unsigned char, size> bytes_{};
};

/// `enc:v1:` followed by the base64 of nonce (12 bytes) | ciphertext | tag (16 bytes), with a
/// fresh random nonce on every call.
std::string encrypt_secret(std::string_view plaintext, const secret_key& key);

/// The inverse of encrypt_secret. Throws std::runtime_error for any other format version, bad
/// base64, a value too short to hold nonce and tag, and "cannot decrypt: wrong key or altered
/// value" when the tag does not match.
std::string decrypt_secret(std::string_view value, const secret_key& key);

/// `text` less one trailing newline (`\n` or `\r\n`), the one an editor or `echo` adds.
std::string without_trailing_newline(std::string text);

/// The file's contents, without_trailing_newline. Throws std::runtime_error naming the path
/// (never the contents). The path is used as given.
std::string read_secret_file(const std::filesystem::path& path);

/// The secret a configuration value stands for: `env:NAME` the variable (empty is allowed),
/// `file:PATH` read_secret_file, `enc:...` decrypt_secret (`key` may be null when the
/// configuration has no key; then `enc:` values are refused), anything else the value itself.
std::string resolve_secret(std::string_view value, const secret_key* key);

/// Whether a configuration value is the secret itself rather than where to find it (env:, file:)
/// or its encryption (enc:).
bool is_written_secret(std::string_view value);

/// How a secret is shown anywhere it has to be mentioned: logs, errors, API output.
std::string redact(std::string_view secret);

} // namespace mailgate::core::config
