#pragma once

// The SMTP state machine of one connection, without I/O: which command is allowed when, what
// it changes, and the reply it gets. The session around it reads, writes, does TLS and
// applies the faults.

#include "tests/support/message_data.hpp"
#include "tests/support/smtp_server_state.hpp"
#include "tests/support/smtp_test_server.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailgate::testing {

/// LIFETIME: `options` and `state` outlive the dialogue. THREAD: not thread-safe.
class smtp_dialogue {
public:
    smtp_dialogue(const smtp_server_options& options, smtp_server_state& state,
                  std::size_t connection);

    std::string greeting() const;
    std::string ehlo(std::string_view argument);
    std::string helo(std::string_view argument);
    std::string mail(std::string_view argument);
    std::string rcpt(std::string_view argument);
    std::string rset();

    /// Why STARTTLS cannot start now; nothing when it can.
    std::optional<std::string> starttls_refusal(std::string_view argument) const;
    /// After the handshake: everything said before TLS is forgotten (RFC 3207 4.2).
    void tls_started();

    /// Why AUTH cannot start now; nothing when it can.
    std::optional<std::string> auth_refusal() const;
    bool offers_mechanism(std::string_view mechanism) const;
    /// The reply to an AUTH PLAIN response (base64 of authzid NUL user NUL password).
    std::string auth_plain(std::string_view response);
    /// The reply to the AUTH LOGIN responses (each base64).
    std::string auth_login(std::string_view user, std::string_view password);

    /// Why DATA cannot start now; nothing when it can.
    std::optional<std::string> data_refusal(std::string_view argument) const;
    /// Records the message unless `data` refuses it; ends the transaction either way.
    std::string end_data(message_data& data);
    /// Ends the transaction without recording (a fault refused the message).
    void drop_transaction();

    bool tls() const { return tls_; }

private:
    struct transaction {
        std::string mail_from;
        std::string parameters;
        std::vector<std::string> recipients;
    };

    std::optional<std::string> mail_refusal() const;
    std::vector<std::string> extensions() const;
    bool tls_missing() const;
    std::string authenticate(std::string_view user, std::string_view password);

    const smtp_server_options& options_;
    smtp_server_state& state_;
    std::size_t connection_;
    bool tls_ = false;
    bool greeted_ = false;
    std::string auth_user_;
    std::optional<transaction> transaction_;
};

} // namespace mailgate::testing
