#pragma once

// SendGrid's Signed Event Webhook (esp-formats.md §1.5): an ECDSA P-256 / SHA-256 signature over
// the timestamp header's text followed by the raw body bytes. Key and signature are both base64
// of DER (a SubjectPublicKeyInfo and an ECDSA-Sig-Value).

#include <openssl/evp.h>

#include <memory>
#include <string_view>

namespace mailgate::sendgrid {

class verification_key {
public:
    /// Parses the key as SendGrid shows it (surrounding whitespace is ignored). Throws
    /// std::invalid_argument, saying what is wrong, for anything but a P-256 public key.
    explicit verification_key(std::string_view base64_der);

    /// Whether `signature_base64` signs `timestamp` followed by `body`. A signature that is not
    /// strict base64 or not DER is simply not valid. THREAD: any, concurrently.
    bool verify(std::string_view timestamp, std::string_view body,
                std::string_view signature_base64) const;

private:
    struct key_free {
        void operator()(EVP_PKEY* key) const noexcept { EVP_PKEY_free(key); }
    };
    struct digest_free {
        void operator()(EVP_MD* digest) const noexcept { EVP_MD_free(digest); }
    };

    std::unique_ptr<EVP_PKEY, key_free> key_;
    // Fetched once: an implicit fetch at every verification costs a provider lookup.
    std::unique_ptr<EVP_MD, digest_free> sha256_;
};

} // namespace mailgate::sendgrid
