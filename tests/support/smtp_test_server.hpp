#pragma once

// A real SMTP server for tests to script: plain, STARTTLS or implicit TLS, AUTH PLAIN/LOGIN,
// faults injected at any phase, and a record of what each client sent. It serves on
// 127.0.0.1, on an ephemeral port, from its own thread.

#include "tests/support/test_certificate.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailgate::testing {

/// plain: no TLS at all; starttls: advertises STARTTLS (and requires it before AUTH/MAIL when
/// `require_tls`); smtps: TLS from the first byte.
enum class smtp_mode { plain, starttls, smtps };

enum class smtp_phase {
    greeting,
    ehlo,
    helo,
    starttls,
    auth,
    mail,
    rcpt,
    data,
    data_end,
    rset,
    quit
};

/// What happens at a phase instead of the normal handling. A `reply` that is 2xx/3xx replaces
/// only the text: the command takes its normal effect (a custom EHLO or greeting). A 4xx/5xx
/// one means the command had no effect (at `data_end`: the message is not recorded); a 421
/// closes the connection after it, and a negative greeting leaves the server answering 503 to
/// everything but QUIT.
struct smtp_fault {
    enum class action { reply, drop, stall };
    action what = action::reply;
    /// For `reply`: the full reply line(s) to send instead, e.g. "451 4.3.0 try later"
    /// (multi-line allowed with \n between lines, server writes "451-...\r\n451 ...\r\n").
    std::string reply;
    int times = -1; ///< how many times it fires; -1: always
};

struct received_message {
    std::string mail_from;       ///< the reverse path, without <>
    std::string mail_parameters; ///< what followed FROM:<...>, e.g. "SIZE=1234 BODY=8BITMIME"
    std::vector<std::string> recipients; ///< without <>; only those accepted
    std::string data; ///< with dot-stuffing removed, CRLF line ends, without the final ".\r\n"
    bool tls = false;
    std::string auth_user;      ///< empty when not authenticated
    std::size_t connection = 0; ///< 1-based index of the connection it came on
    std::string queue_id;       ///< the ID in the "250 2.0.0 Ok: queued as <ID>" reply
};

struct smtp_server_options {
    smtp_mode mode = smtp_mode::plain;
    /// For starttls/smtps; one for "localhost" is made when absent.
    std::optional<test_certificate> certificate;
    bool require_tls = true; ///< starttls mode: 530 5.7.0 to MAIL/AUTH before STARTTLS
    /// Non-empty: AUTH advertised and required before MAIL. In starttls mode with `require_tls`,
    /// only after STARTTLS; without it, in the clear too (for clients that must refuse that).
    std::string username, password;
    /// Advertised as given; PLAIN and LOGIN work, any other is refused with 504 when used.
    std::vector<std::string> auth_mechanisms{"PLAIN", "LOGIN"};
    bool esmtp = true; ///< false: 502 to EHLO, so the client must fall back to HELO
    bool pipelining = true, eightbitmime = true, smtputf8 = true;
    /// Advertised as SIZE; a MAIL SIZE= over it, or DATA over it: 552 5.3.4.
    std::size_t size_limit = 10 * 1024 * 1024;
    std::string hostname = "localhost";
};

/// THREAD: every member function may be called from any thread while the server runs.
class smtp_test_server {
public:
    /// Listens before it returns, so port() is ready. Throws when it cannot listen or load the
    /// certificate.
    explicit smtp_test_server(smtp_server_options options = {});
    /// Closes every connection, stalled ones too, and joins the thread.
    ~smtp_test_server();
    smtp_test_server(const smtp_test_server&) = delete;
    smtp_test_server& operator=(const smtp_test_server&) = delete;

    uint16_t port() const;

    /// Replaces any fault at that phase; applies to commands read from now on.
    void inject(smtp_phase phase, smtp_fault fault);
    void clear_faults();
    /// The RCPT reply for one address (e.g. "550 5.1.1 <x@y>: user unknown"); the others get
    /// 250. Addresses compare case-insensitively.
    void reject_recipient(std::string address, std::string reply);

    /// The messages accepted so far, in the order their 250 replies were sent.
    std::vector<received_message> messages() const;
    /// Waits until at least `count` messages are recorded; false on timeout.
    bool wait_for_messages(std::size_t count, std::chrono::milliseconds timeout) const;
    std::size_t connections_accepted() const;
    /// Command lines received with this verb (any case), e.g. "RSET", "AUTH", "EHLO", "QUIT",
    /// "STARTTLS"; faulted ones count too.
    std::size_t command_count(std::string_view verb) const;
    /// Of those, the lines that had arrived before the server answered the command before them:
    /// sent by a client that pipelines (RFC 2920) without waiting for that reply.
    std::size_t pipelined_count(std::string_view verb) const;
    /// Every line each side sent, "C: ..." / "S: ...", in order, all connections (for
    /// debugging test failures). The lines of a message's data are summed up in one
    /// "C: <message data: N lines, M octets>".
    std::vector<std::string> transcript() const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace mailgate::testing
