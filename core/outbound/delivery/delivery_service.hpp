#pragma once

// The delivery workers: claim due messages from the queue, send each through its provider's
// connection pool, and record what happened (sent, deferred for a retry, failed with its
// class, an in-band bounce). Runs on its own thread with its own I/O context; the pools are
// used from that thread only.
//
// At-least-once: a message is marked sent only after the server's 250 and then the commit of
// that outcome. A node that dies between the two sends the message again after its restart;
// nothing committed as sent is ever sent again.

#include "core/alerts/sender_refusals.hpp"
#include "core/config/gateway_config.hpp"
#include "core/events/suppression_policy.hpp"
#include "core/metrics/registry.hpp"
#include "core/outbound/delivery/retry_policy.hpp"
#include "core/outbound/delivery/sending_provider.hpp"
#include "core/outbound/smtp/smtp_pool.hpp"
#include "core/storage/store.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace mailgate::core::outbound::delivery {

/// Defaults are the configuration's (config::outbound_config): one place for each.
struct delivery_options {
    std::string node_id; ///< names this node's leases
    /// Attempts under way at once, all providers.
    std::size_t max_in_flight = config::outbound_config{}.max_in_flight;
    retry_policy retry;
    /// Decides what an in-band bounce does to its address; names the streams.
    events::suppression_policy suppression;
    std::chrono::milliseconds lease = config::outbound_config{}.lease;
    std::chrono::milliseconds poll_interval = config::outbound_config{}.poll_interval;
    /// At stop, how long attempts under way may take before their connections are closed.
    std::chrono::milliseconds stop_grace = config::outbound_config{}.stop_grace;
};

class delivery_service {
public:
    /// `store` and `metrics` must outlive the service; so must each provider's instance.
    delivery_service(storage::store& store, std::vector<sending_provider> providers,
                     delivery_options options, metrics::registry& metrics);
    /// Stops, if still running.
    ~delivery_service();
    /// The policy the service was given: its streams and default stream. THREAD: any.
    const events::suppression_policy& suppression() const noexcept { return options_.suppression; }

    delivery_service(const delivery_service&) = delete;
    delivery_service& operator=(const delivery_service&) = delete;

    /// Makes what this node had leased before a restart due again, then starts the thread.
    void start();
    /// Stops claiming, lets attempts under way finish (up to stop_grace), records their
    /// outcomes, closes the connections and joins the thread. THREAD: not the service's.
    void stop();
    /// Messages were queued: look now rather than at the next poll. THREAD: any.
    void wake();

    /// Takes the first of `messages`, about to be queued, for as many as there is room for,
    /// and marks them leased by this node for their first attempt: stored so, they need no
    /// claim. Returns how many. Each one taken must then be handed over (after the commit) or
    /// given back (after a failed one). Nothing once stopping. THREAD: any.
    std::size_t lease(std::vector<storage::queued_message>& messages, int64_t now);
    /// Delivers messages lease() took, once they are durable. THREAD: any.
    void hand_over(std::vector<storage::queued_message> messages);
    /// The room of `count` messages lease() took that were not stored. THREAD: any.
    void give_back(std::size_t count);

private:
    struct provider_slot {
        sending_provider provider;
        std::unique_ptr<smtp::smtp_pool> pool;
    };

    std::size_t reserve(std::size_t at_most);
    boost::asio::awaitable<void> claim_loop();
    boost::asio::awaitable<void> deliver(storage::queued_message message);
    boost::asio::awaitable<smtp::send_outcome> attempt(const storage::queued_message& message,
                                                       provider_slot* slot);
    /// The outcome that ends the attempt before any SMTP when the recipient is suppressed (or
    /// the list cannot be read); nothing when it may go. THREAD: the service's.
    std::optional<smtp::send_outcome> suppression_check(const storage::queued_message& message);
    boost::asio::awaitable<void> shutdown();
    boost::asio::awaitable<void> wait_for_signal(std::chrono::milliseconds at_most);
    void signal();
    void queue_record(storage::delivery_outcome outcome);
    void schedule_records();
    void flush_records();
    void count(const storage::delivery_outcome& outcome, const std::string& provider);
    provider_slot* find(const std::string& nickname);

    storage::store& store_;
    delivery_options options_;
    metrics::counter_family attempts_, failures_;
    alerts::sender_refusals refusals_;
    std::mt19937_64 random_;

    boost::asio::io_context io_;
    std::vector<provider_slot> slots_; // after io_: the pools' sockets go before their context
    boost::asio::steady_timer signal_timer_;
    bool signalled_ = false;
    std::atomic<bool> stopping_ = false;
    // Attempts under way or promised by lease(): claims and leases share max_in_flight.
    std::atomic<std::size_t> in_flight_ = 0;
    std::vector<storage::delivery_outcome> unrecorded_;
    bool recording_ = false;
    boost::asio::steady_timer record_timer_;
    bool record_timer_armed_ = false;
    std::thread thread_;
};

} // namespace mailgate::core::outbound::delivery
