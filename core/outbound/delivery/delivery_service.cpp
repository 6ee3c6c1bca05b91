#include "core/outbound/delivery/delivery_service.hpp"

#include "core/addressing/address.hpp"
#include "core/base/clock.hpp"
#include "core/log/log.hpp"
#include "core/net/guarded_run.hpp"
#include "core/outbound/delivery/attempt_outcome.hpp"
#include "core/storage/async_apply.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace mailgate::core::outbound::delivery {
namespace {

namespace asio = boost::asio;

/// The most messages one claim takes: a burst is claimed in a few transactions, not one per
/// message, while a claim stays small enough to share out between nodes.
constexpr std::size_t max_claim = 500;

/// Delivery outcomes recorded in one transaction, at most, and how long the first of them waits
/// for others: a message sent is recorded a few milliseconds later (a crash meanwhile sends it
/// again, as with any crash before the record).
constexpr std::size_t record_batch = 500;
constexpr std::chrono::milliseconds record_delay{10};

smtp::send_outcome not_sent(smtp::failure_class failure, bool permanent, std::string why)
{
    smtp::send_outcome out;
    out.failure = failure;
    out.permanent = permanent;
    out.phase = "suppression";
    out.error = std::move(why);
    return out;
}

smtp::send_outcome not_configured(const std::string& provider)
{
    smtp::send_outcome out;
    out.failure = smtp::failure_class::dispatch_failed;
    out.permanent = true;
    out.phase = "connect";
    out.error = "provider '" + provider + "' is not configured for sending on this gateway";
    return out;
}

} // namespace

delivery_service::delivery_service(storage::store& store, std::vector<sending_provider> providers,
                                   delivery_options options, metrics::registry& metrics)
    : store_(store), options_(std::move(options)),
      attempts_(metrics, "mailgate_outbound_attempts_total",
                "Delivery attempts by provider and resulting state", {"provider", "state"}),
      failures_(metrics, "mailgate_outbound_failures_total",
                "Failed delivery attempts by provider and failure class", {"provider", "class"}),
      refusals_(metrics), random_(std::random_device{}()), signal_timer_(io_), record_timer_(io_)
{
    for (auto& p : providers) {
        auto pool = std::make_unique<smtp::smtp_pool>(io_.get_executor(), p.smtp);
        slots_.push_back({std::move(p), std::move(pool)});
    }
}

delivery_service::~delivery_service()
{
    stop();
}

void delivery_service::start()
{
    if (auto released = store_.release(options_.node_id); released > 0) {
        log::get("outbound")
            ->info("resuming {} messages this node was sending when it stopped", released);
    }
    asio::co_spawn(io_, claim_loop(), asio::detached);
    thread_ = std::thread([this] { net::guarded_run(io_, "outbound"); });
}

void delivery_service::stop()
{
    if (!thread_.joinable()) {
        return;
    }
    asio::co_spawn(io_, shutdown(), asio::detached);
    thread_.join();
}

void delivery_service::wake()
{
    asio::post(io_, [this] { signal(); });
}

std::size_t delivery_service::lease(std::vector<storage::queued_message>& messages, int64_t now)
{
    const std::size_t taken = stopping_ ? 0 : reserve(messages.size());
    for (std::size_t i = 0; i < taken; ++i) {
        auto& m = messages[i];
        m.state = storage::delivery_state::sending;
        m.attempts = 1;
        m.next_attempt_at = now + options_.lease.count();
        m.lease_owner = options_.node_id;
        m.updated_at = now;
    }
    return taken;
}

// Room for up to `at_most` more attempts within max_in_flight, taken at once: the claim loop
// and the I/O threads' lease() take from it concurrently.
std::size_t delivery_service::reserve(std::size_t at_most)
{
    auto busy = in_flight_.load();
    std::size_t taken = 0;
    do {
        if (busy >= options_.max_in_flight) {
            return 0;
        }
        taken = std::min(at_most, options_.max_in_flight - busy);
    } while (!in_flight_.compare_exchange_weak(busy, busy + taken));
    return taken;
}

void delivery_service::hand_over(std::vector<storage::queued_message> messages)
{
    asio::post(io_, [this, messages = std::move(messages)]() mutable {
        for (auto& m : messages) {
            asio::co_spawn(io_, deliver(std::move(m)), asio::detached);
        }
    });
}

void delivery_service::give_back(std::size_t count)
{
    in_flight_ -= count;
    wake();
}

void delivery_service::signal()
{
    signalled_ = true;
    signal_timer_.cancel();
}

asio::awaitable<void> delivery_service::wait_for_signal(std::chrono::milliseconds at_most)
{
    if (!signalled_) {
        signal_timer_.expires_after(at_most);
        boost::system::error_code ignored;
        co_await signal_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    }
    signalled_ = false;
}

asio::awaitable<void> delivery_service::claim_loop()
{
    while (!stopping_) {
        // Every claim is a durable commit: claiming one message each time one finishes would
        // spend a commit per message. Topping up once half the room is free keeps the pools
        // busy with few, large claims.
        const std::size_t busy = in_flight_;
        if (busy > 0 &&
            busy + std::max<std::size_t>(1, options_.max_in_flight / 2) > options_.max_in_flight) {
            co_await wait_for_signal(options_.poll_interval);
            continue;
        }
        // Reserved before the claim, so that lease() cannot promise the same room meanwhile.
        const std::size_t wanted = reserve(max_claim);
        if (wanted == 0) {
            co_await wait_for_signal(options_.poll_interval);
            continue;
        }
        const int64_t now = base::unix_ms_now();
        auto [error, claimed] =
            co_await storage::async_from_callback<std::error_code,
                                                  std::vector<storage::queued_message>>(
                [&](storage::claim_handler done) {
                    store_.claim(options_.node_id, wanted, now, now + options_.lease.count(),
                                 std::move(done));
                },
                asio::as_tuple(asio::use_awaitable));
        in_flight_ -= wanted - claimed.size();
        if (error) {
            log::get("outbound")->error("claiming due messages failed: {}", error.message());
        }
        if (error || claimed.empty()) {
            co_await wait_for_signal(options_.poll_interval);
            continue;
        }
        for (auto& m : claimed) {
            asio::co_spawn(io_, deliver(std::move(m)), asio::detached);
        }
    }
}

asio::awaitable<void> delivery_service::deliver(storage::queued_message message)
{
    auto* slot = find(message.provider);
    const smtp::send_outcome sent = co_await attempt(message, slot);
    const std::string driver = slot != nullptr ? slot->provider.instance->library().label() : "";
    auto outcome = outcome_of(message, sent, driver, base::unix_ms_now(), options_.retry,
                              options_.suppression, random_);
    if (!sent.ok()) {
        log::get("outbound")
            ->info("message {} to provider '{}': {} at {}: {}", message.id, message.provider,
                   describe(sent.failure), sent.phase, outcome.last_reply);
    }
    count(outcome, message.provider);
    refusals_.report(outcome.events);
    queue_record(std::move(outcome));
    --in_flight_;
    signal();
}

asio::awaitable<smtp::send_outcome>
delivery_service::attempt(const storage::queued_message& message, provider_slot* slot)
{
    if (slot == nullptr) {
        co_return not_configured(message.provider);
    }
    if (auto refused = suppression_check(message)) {
        co_return std::move(*refused);
    }
    // Named, not temporaries in the co_await expression: GCC 12 destroys such temporaries twice.
    smtp::envelope env{message.mail_from, message.recipient, message.smtputf8};
    std::string head = message.head;
    auto entity = message.entity;
    co_return co_await slot->pool->send(std::move(env), std::move(head), std::move(entity));
}

// The list is read again right before every attempt, so that a recipient suppressed while its
// message waited (deferred, or queued behind others) is never sent to. A synchronous read on the
// delivery thread: one indexed lookup, no I/O thread of the HTTP server waits for it. A list that
// cannot be read holds the message back for a retry rather than risk the send.
std::optional<smtp::send_outcome>
delivery_service::suppression_check(const storage::queued_message& message)
{
    const auto key = addressing::canonical_email(message.recipient);
    if (!key) {
        return not_sent(smtp::failure_class::invalid_address, true,
                        "the recipient '" + message.recipient + "' is not an address");
    }
    try {
        // A message queued before streams names none: it goes as the default stream's.
        const auto& stream =
            message.stream.empty() ? options_.suppression.default_stream() : message.stream;
        if (auto s = store_.find_suppression(*key, stream, base::unix_ms_now())) {
            return not_sent(smtp::failure_class::suppressed, true,
                            "not sent: the recipient is suppressed in " + stream +
                                " (reason: " + s->reason + ")");
        }
    } catch (const std::exception& e) {
        return not_sent(smtp::failure_class::dispatch_failed, false,
                        std::string("not sent: the suppression list could not be read: ") +
                            e.what());
    }
    return std::nullopt;
}

void delivery_service::queue_record(storage::delivery_outcome outcome)
{
    unrecorded_.push_back(std::move(outcome));
    schedule_records();
}

// Outcomes gather and go together, one record transaction at a time: a transaction writes
// each page it touches to the WAL whatever the number of rows on it, so ten outcomes a
// transaction cost nearly the bytes and the sync of a hundred. They go once record_batch have
// gathered, or record_delay after the first, or at once when stopping.
void delivery_service::schedule_records()
{
    if (recording_ || unrecorded_.empty()) {
        return;
    }
    if (unrecorded_.size() >= record_batch || stopping_) {
        flush_records();
        return;
    }
    if (!record_timer_armed_) {
        record_timer_armed_ = true;
        record_timer_.expires_after(record_delay);
        record_timer_.async_wait([this](const boost::system::error_code&) {
            record_timer_armed_ = false;
            flush_records();
        });
    }
}

void delivery_service::flush_records()
{
    if (recording_ || unrecorded_.empty()) {
        return;
    }
    recording_ = true;
    auto batch = std::move(unrecorded_);
    unrecorded_.clear();
    asio::co_spawn(
        io_,
        [this, batch = std::move(batch)]() mutable -> asio::awaitable<void> {
            const auto size = batch.size();
            auto [error] = co_await storage::async_from_callback<std::error_code>(
                [&](storage::done_handler done) {
                    store_.record(std::move(batch), std::move(done));
                },
                asio::as_tuple(asio::use_awaitable));
            if (error) {
                // The messages stay leased: once the lease runs out they are tried again.
                log::get("outbound")
                    ->error("recording {} delivery outcomes failed: {}", size, error.message());
            }
            recording_ = false;
            schedule_records();
            signal();
        },
        asio::detached);
}

void delivery_service::count(const storage::delivery_outcome& outcome, const std::string& provider)
{
    attempts_.with({provider, to_string(outcome.state)}).add();
    if (!outcome.failure.empty()) {
        failures_.with({provider, outcome.failure}).add();
    }
}

asio::awaitable<void> delivery_service::shutdown()
{
    stopping_ = true;
    signal();
    const auto deadline = std::chrono::steady_clock::now() + options_.stop_grace;
    while (in_flight_ > 0 && std::chrono::steady_clock::now() < deadline) {
        co_await wait_for_signal(std::chrono::milliseconds(100));
    }
    // What is still under way is cut off, fails as a connection error and is recorded as
    // deferred: a silent server must not hold the stop for its timeouts.
    for (auto& slot : slots_) {
        co_await slot.pool->close();
        slot.pool->abort_in_progress();
    }
    while (in_flight_ > 0 || recording_ || !unrecorded_.empty()) {
        co_await wait_for_signal(std::chrono::milliseconds(100));
    }
}

delivery_service::provider_slot* delivery_service::find(const std::string& nickname)
{
    auto it = std::find_if(slots_.begin(), slots_.end(), [&](const provider_slot& s) {
        return s.provider.instance->provider() == nickname;
    });
    return it == slots_.end() ? nullptr : &*it;
}

} // namespace mailgate::core::outbound::delivery
