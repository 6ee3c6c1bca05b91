#include "tests/support/test_certificate.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <system_error>

namespace mailgate::testing {
namespace {

template <auto free_function>
struct openssl_deleter {
    template <typename T>
    void operator()(T* p) const
    {
        free_function(p);
    }
};
using key_ptr = std::unique_ptr<EVP_PKEY, openssl_deleter<EVP_PKEY_free>>;
using x509_ptr = std::unique_ptr<X509, openssl_deleter<X509_free>>;
using extension_ptr = std::unique_ptr<X509_EXTENSION, openssl_deleter<X509_EXTENSION_free>>;
using bio_ptr = std::unique_ptr<BIO, openssl_deleter<BIO_free_all>>;

[[noreturn]] void fail(const char* step)
{
    std::string reason = step;
    if (const unsigned long code = ERR_get_error(); code != 0) {
        reason += ": ";
        reason += ERR_reason_error_string(code) ? ERR_reason_error_string(code) : "unknown";
    }
    ERR_clear_error();
    throw std::runtime_error("make_test_certificate: " + reason);
}

void check(int result, const char* step)
{
    if (result <= 0) {
        fail(step);
    }
}

// Removes every directory it was given when the process exits normally.
class temp_directories {
public:
    ~temp_directories()
    {
        for (const auto& directory : directories_) {
            std::error_code ignored;
            std::filesystem::remove_all(directory, ignored);
        }
    }

    std::filesystem::path make()
    {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "mailgate-test-cert-XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr) {
            throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
        }
        std::lock_guard lock(mutex_);
        return directories_.emplace_back(pattern);
    }

private:
    std::mutex mutex_;
    std::vector<std::filesystem::path> directories_;
};

temp_directories& directories()
{
    static temp_directories instance;
    return instance;
}

std::string subject_alt_names(const std::vector<std::string>& dns_names, bool with_loopback_ip)
{
    std::string names;
    for (const auto& name : dns_names) {
        names += (names.empty() ? "DNS:" : ",DNS:") + name;
    }
    if (with_loopback_ip) {
        names += names.empty() ? "IP:127.0.0.1" : ",IP:127.0.0.1";
    }
    return names;
}

void add_extension(X509* certificate, int nid, const std::string& value)
{
    X509V3_CTX context;
    X509V3_set_ctx(&context, certificate, certificate, nullptr, nullptr, 0);
    const extension_ptr extension(X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str()));
    if (!extension) {
        fail("X509V3_EXT_conf_nid");
    }
    check(X509_add_ext(certificate, extension.get(), -1), "X509_add_ext");
}

void set_identity(X509* certificate, const std::string& common_name)
{
    check(X509_set_version(certificate, X509_VERSION_3), "X509_set_version");
    std::uint64_t serial = 0;
    check(RAND_bytes(reinterpret_cast<unsigned char*>(&serial), sizeof serial), "RAND_bytes");
    // Random, because issuer and serial identify a certificate, and all of these share a name.
    check(ASN1_INTEGER_set_uint64(X509_get_serialNumber(certificate), serial >> 1), "serial");
    X509_NAME* name = X509_get_subject_name(certificate);
    check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>(common_name.c_str()),
                                     -1, -1, 0),
          "X509_NAME_add_entry_by_txt");
    check(X509_set_issuer_name(certificate, name), "X509_set_issuer_name");
    // Back-dated a little, so a client whose clock runs slightly behind still accepts it.
    check(X509_gmtime_adj(X509_getm_notBefore(certificate), -60) != nullptr, "notBefore");
    check(X509_gmtime_adj(X509_getm_notAfter(certificate), 24 * 60 * 60) != nullptr, "notAfter");
}

x509_ptr self_signed(EVP_PKEY* key, const std::vector<std::string>& dns_names,
                     bool with_loopback_ip)
{
    x509_ptr certificate(X509_new());
    if (!certificate) {
        fail("X509_new");
    }
    set_identity(certificate.get(), dns_names.empty() ? "mailgate test" : dns_names.front());
    check(X509_set_pubkey(certificate.get(), key), "X509_set_pubkey");
    // The extensions `openssl req -x509` adds, so OpenSSL accepts the certificate both as the
    // trust anchor and as the server's own.
    add_extension(certificate.get(), NID_basic_constraints, "critical,CA:TRUE");
    add_extension(certificate.get(), NID_subject_key_identifier, "hash");
    add_extension(certificate.get(), NID_authority_key_identifier, "keyid:always");
    if (const auto names = subject_alt_names(dns_names, with_loopback_ip); !names.empty()) {
        add_extension(certificate.get(), NID_subject_alt_name, names);
    }
    check(X509_sign(certificate.get(), key, EVP_sha256()), "X509_sign");
    return certificate;
}

bio_ptr open_for_writing(const std::filesystem::path& path)
{
    bio_ptr file(BIO_new_file(path.c_str(), "w"));
    if (!file) {
        fail("BIO_new_file");
    }
    return file;
}

} // namespace

test_certificate make_test_certificate(const std::vector<std::string>& dns_names,
                                       bool with_loopback_ip)
{
    const key_ptr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    if (!key) {
        fail("EVP_PKEY_Q_keygen");
    }
    const x509_ptr certificate = self_signed(key.get(), dns_names, with_loopback_ip);

    const auto directory = directories().make();
    test_certificate files{directory / "certificate.pem", directory / "private_key.pem"};
    check(PEM_write_bio_X509(open_for_writing(files.certificate).get(), certificate.get()),
          "PEM_write_bio_X509");
    check(PEM_write_bio_PrivateKey(open_for_writing(files.private_key).get(), key.get(), nullptr,
                                   nullptr, 0, nullptr, nullptr),
          "PEM_write_bio_PrivateKey");
    return files;
}

} // namespace mailgate::testing
