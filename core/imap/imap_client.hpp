#pragma once

// One IMAP4rev1 session (RFC 3501) with one server, for the mailbox poller: connect (plain,
// STARTTLS or implicit TLS, the certificate verified unless the configuration says not),
// LOGIN, SELECT, UID SEARCH, UID FETCH of sizes and bodies (BODY.PEEK[]: nothing is marked
// read), CREATE, moving a message to a folder without ever expunging anyone else's deleted
// mail, IDLE (RFC 2177) and LOGOUT. Every wait for the server is bounded by the mailbox's
// `timeout` (an IDLE by the time it is given); every response by `response_limits`.

#include "core/config/bounce_config.hpp"
#include "core/imap/response_parser.hpp"
#include "core/net/socket_watchdog.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace mailgate::core::imap {

/// Why a session step failed: a connection error, a timeout, a response that does not parse,
/// or a refusal the step cannot go on after. The session is then unusable.
class imap_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct selected_mailbox {
    uint32_t uid_validity = 0;
    std::optional<uint32_t> uid_next;
    uint32_t exists = 0;
};

/// How a message reached the processed folder.
enum class move_method {
    moved,    ///< UID MOVE (RFC 6851)
    expunged, ///< UID COPY, \Deleted, UID EXPUNGE of that UID alone (UIDPLUS, RFC 4315)
    copied,   ///< UID COPY and \Seen: the original stays (no UIDPLUS, and a plain EXPUNGE
              ///< would remove others' deleted mail too)
};

/// NOT thread-safe: every call from the executor given at construction, one at a time, except
/// abort(). Each throws imap_error.
class imap_client {
public:
    imap_client(boost::asio::any_io_executor executor, config::bounce_mailbox_config config);
    ~imap_client();
    imap_client(const imap_client&) = delete;
    imap_client& operator=(const imap_client&) = delete;

    /// TCP, TLS as configured (STARTTLS included), the greeting and the capabilities.
    boost::asio::awaitable<void> connect();
    /// LOGIN with the credentials quoted, or sent as literals when they cannot be quoted.
    boost::asio::awaitable<void> login(std::string_view user, std::string_view password);
    boost::asio::awaitable<selected_mailbox> select(std::string_view folder);
    /// Creates the folder; a refusal (it exists) is not an error: a move into a folder that
    /// truly cannot be made fails later.
    boost::asio::awaitable<void> create(std::string_view folder);
    /// NOOP: a server announces what changed in the selected folder only in reply to a
    /// command; polling asks with this one (RFC 3501 §6.1.2).
    boost::asio::awaitable<void> noop();
    /// The UIDs of the selected folder from `first_uid` on, ascending.
    boost::asio::awaitable<std::vector<uint32_t>> search_from(uint32_t first_uid);
    /// RFC822.SIZE of a message, or nothing when it is gone.
    boost::asio::awaitable<std::optional<uint64_t>> size_of(uint32_t uid);
    /// The whole message (BODY.PEEK[]), or nothing when it is gone.
    boost::asio::awaitable<std::optional<std::string>> fetch(uint32_t uid);
    boost::asio::awaitable<move_method> move(uint32_t uid, std::string_view folder);
    /// IDLE until the server announces a change or `limit` passes, then DONE. True when it
    /// announced one.
    boost::asio::awaitable<bool> idle(std::chrono::milliseconds limit);
    /// LOGOUT when the session is usable, then closes. Never fails.
    boost::asio::awaitable<void> logout();

    /// Closes the socket at once: whatever is awaited fails. THREAD: the executor's.
    void abort() noexcept;

    bool has(std::string_view capability) const;

private:
    using untagged_handler = std::function<void(imap_response&)>;
    /// One piece of a command: text, or a literal that the server must accept first.
    struct part {
        std::string text;
        bool literal = false;
    };

    boost::asio::awaitable<void> open_socket();
    boost::asio::awaitable<void> start_tls();
    boost::asio::awaitable<void> read_greeting();
    boost::asio::awaitable<void> refresh_capabilities();
    // Arguments by reference and always named at the call: GCC 12 destroys the temporaries
    // of a co_await expression twice.
    boost::asio::awaitable<imap_response> command(const std::vector<part>& parts,
                                                  const std::string& verb,
                                                  const untagged_handler& on_untagged);
    boost::asio::awaitable<imap_response> command(const std::string& line,
                                                  const untagged_handler& on_untagged);
    boost::asio::awaitable<void> expect_ok(const std::string& line,
                                           const untagged_handler& on_untagged);
    boost::asio::awaitable<void> expect_ok(const std::string& line);
    boost::asio::awaitable<imap_response> read_until_tagged(const std::string& tag,
                                                            const std::string& verb,
                                                            const untagged_handler& on_untagged);
    boost::asio::awaitable<imap_response> read_response(std::chrono::milliseconds limit,
                                                        const std::string& what);
    boost::asio::awaitable<void> write(const std::string& bytes, const std::string& what);
    void take_untagged(const imap_response& r);
    void take_capabilities(const std::vector<std::string>& words);
    [[noreturn]] void fail_io(const boost::system::error_code& ec, const std::string& what);
    [[noreturn]] void fail(std::string error);
    void close() noexcept;

    config::bounce_mailbox_config config_;
    boost::asio::ip::tcp::socket socket_;
    std::optional<boost::asio::ssl::context> tls_context_;
    std::optional<boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>> tls_;
    std::array<char, 16 * 1024> read_buffer_{};
    response_parser parser_;
    std::set<std::string, std::less<>> capabilities_;
    uint64_t next_tag_ = 0;
    bool usable_ = false;
    net::socket_watchdog watchdog_; // after socket_, which it watches
};

/// `text` as an IMAP quoted string, or nothing when it cannot be one (CR, LF, NUL or 8-bit
/// bytes: a literal then).
std::optional<std::string> quoted(std::string_view text);

} // namespace mailgate::core::imap
