#pragma once

// Self-signed certificates made at test time, so no key material lives in the repository and
// every test run has fresh, unexpired ones.

#include <filesystem>
#include <string>
#include <vector>

namespace mailgate::testing {

struct test_certificate {
    std::filesystem::path certificate; ///< PEM; also the CA file a client trusts (self-signed)
    std::filesystem::path private_key; ///< PEM
};

/// A certificate for the given names (SAN DNS entries, plus IP:127.0.0.1 when
/// `with_loopback_ip`), with an EC P-256 key, valid from a minute ago for a day.
/// LIFETIME: the files live in a fresh directory under the system temp directory, which is
/// removed at normal process exit; a crashed test leaves it behind. Throws std::runtime_error
/// with OpenSSL's reason when a step fails. THREAD: any.
test_certificate make_test_certificate(const std::vector<std::string>& dns_names = {"localhost"},
                                       bool with_loopback_ip = true);

} // namespace mailgate::testing
