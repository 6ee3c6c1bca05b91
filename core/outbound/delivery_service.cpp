#include "core/outbound/delivery_service.hpp"

#include "core/events/router.hpp"
#include "core/log/log.hpp"
#include "core/outbound/attempt_outcome.hpp"
#include "core/storage/async_apply.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace mailgate::core::outbound {
namespace {

namespace asio = boost::asio;

/// The most messages one claim takes: a burst is claimed in a few transactions, not one per
/// message, while a claim stays small enough to share out between nodes.
constexpr std::size_t max_claim = 500;

send_outcome not_configured(const std::string& provider)
{
    send_outcome out;
    out.failure = failure_class::dispatch_failed;
    out.permanent = true;
    out.phase = "connect";
    out.error = "provider '" + provider + "' is not configured for sending on this gateway";
    return out;
}

} // namespace

delivery_service::delivery_service(storage::store& store, std::vector<sending_provider> providers,
                                   delivery_options options, metrics::registry& metrics)
    : store_(store), options_(std::move(options)), metrics_(metrics),
      random_(std::random_device{}()), signal_timer_(io_)
{
    for (auto& p : providers) {
        auto pool = std::make_unique<smtp_pool>(io_.get_executor(), p.smtp);
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
    thread_ = std::thread([this] { io_.run(); });
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
        const std::size_t room = options_.max_in_flight - in_flight_;
        if (in_flight_ > 0 && room < std::max<std::size_t>(1, options_.max_in_flight / 2)) {
            co_await wait_for_signal(options_.poll_interval);
            continue;
        }
        const int64_t now = events::unix_ms_now();
        auto [error, claimed] =
            co_await storage::async_from_callback<std::error_code,
                                                  std::vector<storage::queued_message>>(
                [&](storage::claim_handler done) {
                    store_.claim(options_.node_id, std::min(room, max_claim), now,
                                 now + options_.lease.count(), std::move(done));
                },
                asio::as_tuple(asio::use_awaitable));
        if (error) {
            log::get("outbound")->error("claiming due messages failed: {}", error.message());
        }
        if (error || claimed.empty()) {
            co_await wait_for_signal(options_.poll_interval);
            continue;
        }
        in_flight_ += claimed.size();
        for (auto& m : claimed) {
            asio::co_spawn(io_, deliver(std::move(m)), asio::detached);
        }
    }
}

asio::awaitable<void> delivery_service::deliver(storage::queued_message message)
{
    auto* slot = find(message.provider);
    const send_outcome sent = co_await attempt(message, slot);
    const std::string driver = slot != nullptr ? slot->provider.instance->library().label() : "";
    auto outcome =
        outcome_of(message, sent, driver, events::unix_ms_now(), options_.retry, random_);
    if (!sent.ok()) {
        log::get("outbound")
            ->info("message {} to provider '{}': {} at {}: {}", message.id, message.provider,
                   describe(sent.failure), sent.phase, outcome.last_reply);
    }
    count(outcome, message.provider);
    queue_record(std::move(outcome));
    --in_flight_;
    signal();
}

asio::awaitable<send_outcome> delivery_service::attempt(const storage::queued_message& message,
                                                        provider_slot* slot)
{
    if (slot == nullptr) {
        co_return not_configured(message.provider);
    }
    // Named, not a temporary in the co_await expression: GCC 12 destroys such temporaries twice.
    envelope env{message.mail_from, message.recipient, message.smtputf8};
    auto data = std::make_shared<const std::string>(message.text());
    co_return co_await slot->pool->send(std::move(env), std::move(data));
}

// Outcomes wait while a record is being committed and then go together: under load, one
// transaction records many attempts.
void delivery_service::queue_record(storage::delivery_outcome outcome)
{
    unrecorded_.push_back(std::move(outcome));
    flush_records();
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
            flush_records();
            signal();
        },
        asio::detached);
}

void delivery_service::count(const storage::delivery_outcome& outcome, const std::string& provider)
{
    metrics_
        .get_counter("mailgate_outbound_attempts_total",
                     "Delivery attempts by provider and resulting state",
                     {{"provider", provider}, {"state", std::string(to_string(outcome.state))}})
        .add();
    if (!outcome.failure.empty()) {
        metrics_
            .get_counter("mailgate_outbound_failures_total",
                         "Failed delivery attempts by provider and failure class",
                         {{"provider", provider}, {"class", outcome.failure}})
            .add();
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

} // namespace mailgate::core::outbound
