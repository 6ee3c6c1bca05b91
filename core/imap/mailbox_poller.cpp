#include "core/imap/mailbox_poller.hpp"

#include "core/imap/imap_client.hpp"
#include "core/log/log.hpp"
#include "core/net/guarded_run.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <optional>

namespace mailgate::core::imap {

namespace asio = boost::asio;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// The sink writes to storage: a message it has not answered within this long is taken as a
// failure, and handed again later (it stores a message once, whatever it is handed).
constexpr std::chrono::milliseconds min_sink_timeout{std::chrono::seconds(30)};

std::shared_ptr<spdlog::logger> logger()
{
    static const auto l = log::get("imap");
    return l;
}

} // namespace

// The sink's answer, posted to the poller's thread; the timer wakes the wait for it.
struct mailbox_poller::sink_wait {
    explicit sink_wait(asio::io_context& io) : timer(io) {}

    asio::steady_timer timer;
    std::optional<std::pair<std::error_code, bounces::sink_outcome>> result;
};

mailbox_poller::mailbox_poller(config::bounce_mailbox_config config, std::string password,
                               cursor_store& cursors, bounces::message_sink sink,
                               metrics::registry& metrics)
    : config_(std::move(config)), password_(std::move(password)), cursors_(cursors),
      sink_(std::move(sink)),
      messages_(metrics, "mailgate_bounce_imap_messages_total",
                "Messages read from IMAP mailboxes, by what became of them", {"mailbox", "result"}),
      errors_(
          metrics.get_counter("mailgate_bounce_imap_errors_total",
                              "IMAP sessions that failed (connection, login, protocol, storage)",
                              {{"mailbox", config_.name}})),
      pause_timer_(*io_)
{
}

mailbox_poller::~mailbox_poller()
{
    stop();
}

void mailbox_poller::start()
{
    asio::co_spawn(*io_, run(), [name = config_.name](std::exception_ptr e) {
        if (e) {
            logger()->error("the poller of mailbox {} ended with an exception", name);
        }
    });
    thread_ = std::thread([this] { net::guarded_run(*io_, "imap"); });
}

void mailbox_poller::stop()
{
    if (!thread_.joinable()) {
        return;
    }
    asio::post(*io_, [this] {
        stopping_ = true;
        pause_timer_.cancel();
        if (client_ != nullptr) {
            client_->abort();
        }
        if (sink_wait_) {
            sink_wait_->timer.cancel();
        }
    });
    thread_.join();
}

asio::awaitable<void> mailbox_poller::run()
{
    auto backoff = first_backoff;
    while (!stopping_) {
        bool logged_in = false;
        try {
            co_await session(logged_in);
        } catch (const std::exception& e) {
            if (!stopping_) {
                errors_.add();
                log::write(*logger(), spdlog::level::warn, "IMAP session failed",
                           {{"mailbox", config_.name}, {"error", e.what()}});
            }
        }
        client_ = nullptr;
        if (stopping_) {
            break;
        }
        if (logged_in) {
            backoff = first_backoff;
        }
        co_await pause(backoff);
        backoff = std::min(backoff * 2, last_backoff);
    }
}

asio::awaitable<void> mailbox_poller::session(bool& logged_in)
{
    imap_client client(io_->get_executor(), config_);
    client_ = &client;
    co_await client.connect();
    co_await client.login(config_.user, password_);
    logged_in = true;
    co_await client.create(config_.processed_folder);
    const auto selected = co_await client.select(config_.folder);
    resume_cursor(selected.uid_validity);
    const bool idle = client.has("IDLE");
    log::write(*logger(), spdlog::level::info, "IMAP mailbox selected",
               {{"mailbox", config_.name},
                {"folder", config_.folder},
                {"last_uid", cursor_.last_uid},
                {"wait", idle ? "idle" : "poll"}});
    while (!stopping_) {
        const auto end = co_await round(client);
        if (end == round_end::stopped) {
            break;
        }
        if (idle) {
            co_await client.idle(config_.poll_interval);
        } else {
            co_await pause(config_.poll_interval);
            co_await client.noop();
        }
    }
    co_await client.logout();
}

void mailbox_poller::resume_cursor(uint32_t uid_validity)
{
    const auto saved = cursors_.find(config_.name);
    cursor_ = saved.value_or(storage::mailbox_cursor{uid_validity, 0});
    if (cursor_.uid_validity == uid_validity) {
        return;
    }
    // The server renumbered the folder (RFC 3501 §2.3.1.1): the saved UIDs name other
    // messages now. Everything is read again; the sink stores each bounce once.
    log::write(
        *logger(), spdlog::level::warn, "UIDVALIDITY changed: reading the folder again",
        {{"mailbox", config_.name}, {"was", cursor_.uid_validity}, {"now", int64_t{uid_validity}}});
    cursor_ = {uid_validity, 0};
    cursors_.put(config_.name, cursor_);
}

asio::awaitable<mailbox_poller::round_end> mailbox_poller::round(imap_client& client)
{
    const auto first = static_cast<uint32_t>(std::min<int64_t>(cursor_.last_uid + 1, UINT32_MAX));
    const auto uids = co_await client.search_from(first);
    for (const auto uid : uids) {
        if (stopping_) {
            co_return round_end::stopped;
        }
        const bool known = co_await handle(client, uid);
        if (!known) {
            co_return round_end::sink_failed;
        }
    }
    co_return round_end::caught_up;
}

// False when the sink failed: the message stays, and the cursor before it.
asio::awaitable<bool> mailbox_poller::handle(imap_client& client, uint32_t uid)
{
    const auto size = co_await client.size_of(uid);
    if (size && *size > config_.max_message_size) {
        log::write(*logger(), spdlog::level::warn, "IMAP message over max_message_size left unread",
                   {{"mailbox", config_.name},
                    {"uid", int64_t{uid}},
                    {"size", static_cast<int64_t>(*size)}});
        count("too_large");
        advance(uid);
        co_return true;
    }
    std::optional<std::string> raw;
    if (size) {
        raw = co_await client.fetch(uid);
    }
    if (!raw) {
        advance(uid); // expunged by someone else meanwhile
        co_return true;
    }
    const auto [ec, outcome] = co_await hand_to_sink(*raw);
    if (ec && stopping_) {
        co_return false;
    }
    if (ec) {
        count("sink_error");
        log::write(*logger(), spdlog::level::warn, "IMAP message not stored; will retry",
                   {{"mailbox", config_.name}, {"uid", int64_t{uid}}, {"error", ec.message()}});
        co_return false;
    }
    if (outcome == bounces::sink_outcome::handled) {
        co_await client.move(uid, config_.processed_folder);
        count("handled");
    } else {
        count("not_bounce");
    }
    advance(uid);
    co_return true;
}

asio::awaitable<std::pair<std::error_code, bounces::sink_outcome>>
mailbox_poller::hand_to_sink(std::string& raw)
{
    auto wait = std::make_shared<sink_wait>(*io_);
    wait->timer.expires_after(std::max(config_.timeout, min_sink_timeout));
    sink_wait_ = wait;
    try {
        sink_(std::move(raw), {},
              [wait, io = io_](std::error_code ec, bounces::sink_outcome outcome) {
                  asio::post(*io, [wait, ec, outcome] {
                      wait->result.emplace(ec, outcome);
                      wait->timer.cancel();
                  });
              });
    } catch (const std::exception& e) {
        logger()->error("the bounce sink threw: {}", e.what());
        wait->result.emplace(std::make_error_code(std::errc::io_error),
                             bounces::sink_outcome::not_bounce);
    }
    if (!wait->result) {
        co_await wait->timer.async_wait(use_tuple);
    }
    sink_wait_.reset();
    if (!wait->result) {
        co_return std::pair{std::make_error_code(std::errc::timed_out),
                            bounces::sink_outcome::not_bounce};
    }
    co_return *wait->result;
}

asio::awaitable<void> mailbox_poller::pause(std::chrono::milliseconds how_long)
{
    if (stopping_) {
        co_return;
    }
    pause_timer_.expires_after(how_long);
    co_await pause_timer_.async_wait(use_tuple);
}

void mailbox_poller::advance(uint32_t uid)
{
    cursor_.last_uid = uid;
    cursors_.put(config_.name, cursor_);
}

void mailbox_poller::count(const char* result)
{
    messages_.with({config_.name, result}).add();
}

} // namespace mailgate::core::imap
