#pragma once

// The IMAP way in for bounce mail: one poller per configured mailbox (docs/bounce-mail.md,
// "IMAP mailboxes"), on a thread of its own. It logs in, selects the folder and hands each
// message with a UID past its cursor to the bounce sink: a handled bounce or complaint is moved
// to the processed folder, anything else is left where it is, unread as it was; nothing is ever
// deleted. The cursor is saved after each message whose outcome is known, so a crash
// re-handles at most the message in flight, which the sink stores once whatever it is handed.
// It waits with IDLE when the server offers it, else polls every poll_interval; it reconnects
// after an error, with a backoff.

#include "core/bounces/message_sink.hpp"
#include "core/config/bounce_config.hpp"
#include "core/imap/cursor_store.hpp"
#include "core/metrics/registry.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <system_error>
#include <thread>
#include <utility>

namespace mailgate::core::imap {

class imap_client;

/// NOT thread-safe: start() and stop() from one thread (the host's). LIFETIME: `cursors` and
/// `metrics` outlive the poller; a completion the sink calls after stop() is ignored.
class mailbox_poller {
public:
    /// `password`: the mailbox's secret, already resolved (never logged).
    mailbox_poller(config::bounce_mailbox_config config, std::string password,
                   cursor_store& cursors, bounces::message_sink sink, metrics::registry& metrics);
    /// Stops.
    ~mailbox_poller();
    mailbox_poller(const mailbox_poller&) = delete;
    mailbox_poller& operator=(const mailbox_poller&) = delete;

    /// Starts the thread. Once.
    void start();
    /// Closes the connection, cancels every wait and joins the thread: prompt, whatever the
    /// server does. A message handed to the sink and not yet answered is handed again by the
    /// next start. Idempotent.
    void stop();

    /// How long to wait after a failed session: from `first` doubling to `last`.
    static constexpr std::chrono::milliseconds first_backoff{std::chrono::seconds(1)};
    static constexpr std::chrono::milliseconds last_backoff{std::chrono::minutes(5)};

private:
    struct sink_wait;
    enum class round_end { caught_up, sink_failed, stopped };

    boost::asio::awaitable<void> run();
    boost::asio::awaitable<void> session(bool& logged_in);
    boost::asio::awaitable<round_end> round(imap_client& client);
    boost::asio::awaitable<bool> handle(imap_client& client, uint32_t uid);
    boost::asio::awaitable<std::pair<std::error_code, bounces::sink_outcome>>
    hand_to_sink(std::string& raw);
    boost::asio::awaitable<void> pause(std::chrono::milliseconds how_long);
    void resume_cursor(uint32_t uid_validity);
    void advance(uint32_t uid);
    void count(const char* result);

    const config::bounce_mailbox_config config_;
    const std::string password_;
    cursor_store& cursors_;
    const bounces::message_sink sink_;
    metrics::counter_family messages_;
    metrics::counter& errors_;
    storage::mailbox_cursor cursor_;

    // Shared with the sink's completions, which may come after the poller is gone.
    std::shared_ptr<boost::asio::io_context> io_ = std::make_shared<boost::asio::io_context>();
    boost::asio::steady_timer pause_timer_;
    imap_client* client_ = nullptr;        // the session's, while there is one
    std::shared_ptr<sink_wait> sink_wait_; // the message being handled, while there is one
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

} // namespace mailgate::core::imap
