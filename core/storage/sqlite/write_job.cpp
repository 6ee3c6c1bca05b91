#include "core/storage/sqlite/write_job.hpp"

#include "core/encoding/sha256.hpp"
#include "core/log/log.hpp"
#include "core/storage/sqlite/email_hash.hpp"
#include "core/storage/sqlite/system_events_column.hpp"

#include <algorithm>
#include <array>
#include <exception>
#include <optional>

namespace mailgate::core::storage::sqlite {
namespace {

constexpr std::string_view insert_event_sql =
    "INSERT INTO events (provider, driver, kind, permanent, email, occurred_at, received_at, "
    "meta, message_id, campaign_id, profile, description, provider_event_id, event_key, "
    "detail_json, system_events, email_hash, key_hash) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (key_hash) DO NOTHING";

using key_hash = std::array<unsigned char, 16>;

/// What the writer needs of an event beyond the event itself, made before it reaches the
/// writer's thread.
struct prepared_event {
    key_hash key;
    std::string system_events_json;
    int64_t email_hash;
};

// NUL-separated: a provider's name cannot run into its key.
key_hash hash_of(const events::event& ev)
{
    std::string input = ev.provider;
    input += '\0';
    input += ev.event_key;
    const auto digest = encoding::sha256(input);
    key_hash out{};
    std::copy(digest.begin(), digest.begin() + out.size(), out.begin());
    return out;
}

/// The new row's id, or nothing when its key is already stored: by an earlier transaction, an
/// earlier job of this group, or earlier in this batch.
std::optional<int64_t> insert_event(connection& db, const events::event& ev,
                                    const prepared_event& prepared)
{
    db.prepare(insert_event_sql)
        .bind(ev.provider)
        .bind(ev.driver)
        .bind(events::to_string(ev.kind))
        .bind(int64_t{ev.permanent ? 1 : 0})
        .bind(ev.email)
        .bind(ev.occurred_at)
        .bind(ev.received_at)
        .bind(ev.meta)
        .bind(ev.attributed.message_id)
        .bind(ev.attributed.campaign_id)
        .bind(ev.attributed.profile)
        .bind(ev.description)
        .bind(ev.provider_event_id)
        .bind(ev.event_key)
        .bind(ev.detail_json)
        .bind(prepared.system_events_json)
        .bind(prepared.email_hash)
        .bind_blob({reinterpret_cast<const char*>(prepared.key.data()), prepared.key.size()})
        .run();
    if (db.changes() == 0) {
        return std::nullopt;
    }
    return db.last_insert_rowid();
}

void change_suppression(connection& db, const events::routed_event& routed)
{
    const auto& ev = routed.ev;
    switch (routed.suppression) {
    case events::suppression_change::none:
        return;
    case events::suppression_change::suppress:
        // The first reason stays: a later spam report does not hide the hard bounce.
        db.prepare("INSERT INTO suppressions (email, reason, provider, created_at) "
                   "VALUES (?, ?, ?, ?) ON CONFLICT (email) DO NOTHING")
            .bind(ev.email)
            .bind(routed.suppression_reason)
            .bind(ev.provider)
            .bind(ev.received_at)
            .run();
        return;
    case events::suppression_change::lift:
        // Only what was suppressed for that reason: a resubscribe never lifts a hard bounce.
        db.prepare("DELETE FROM suppressions WHERE email = ? AND reason = ?")
            .bind(ev.email)
            .bind(routed.suppression_reason)
            .run();
        return;
    }
}

void count(connection& db, const std::string& campaign_id, const std::string& counter)
{
    db.prepare("INSERT INTO campaign_counters (campaign_id, counter, count) VALUES (?, ?, 1) "
               "ON CONFLICT (campaign_id, counter) "
               "DO UPDATE SET count = campaign_counters.count + 1")
        .bind(campaign_id)
        .bind(counter)
        .run();
}

void count_for_campaign(connection& db, const events::routed_event& routed)
{
    const auto& campaign_id = routed.ev.attributed.campaign_id;
    if (campaign_id.empty()) {
        return;
    }
    count(db, campaign_id, "kind:" + std::string(events::to_string(routed.ev.kind)));
    for (const auto& se : routed.system_events) {
        count(db, campaign_id, "system:" + se.name);
    }
}

/// False for a duplicate, which changes nothing.
bool apply_event(connection& db, const events::routed_event& routed, const prepared_event& prepared)
{
    if (!insert_event(db, routed.ev, prepared)) {
        return false;
    }
    change_suppression(db, routed);
    count_for_campaign(db, routed);
    return true;
}

class batch_job final : public write_job {
public:
    // Keys and JSON are made here, on the submitting thread, to keep work off the one writer.
    batch_job(std::vector<events::routed_event> batch, commit_handler done)
        : batch_(std::move(batch)), done_(std::move(done))
    {
        prepared_.reserve(batch_.size());
        for (const auto& routed : batch_) {
            prepared_.push_back({hash_of(routed.ev), system_events_to_json(routed.system_events),
                                 email_hash(routed.ev.email)});
        }
    }

    std::size_t weight() const noexcept override { return batch_.size(); }

    // Runs again after a rollback when another job of the group failed: counts start over.
    void run(connection& db) override
    {
        result_ = {};
        for (std::size_t i = 0; i < batch_.size(); ++i) {
            ++(apply_event(db, batch_[i], prepared_[i]) ? result_.stored : result_.duplicates);
        }
    }

    void finish(std::error_code error) noexcept override
    {
        // The handler is the caller's code: whatever it throws must not reach the writer.
        try {
            done_(error, error ? commit_result{} : result_);
        } catch (const std::exception& e) {
            log::get("storage")->error("a commit handler threw: {}", e.what());
        } catch (...) {
            log::get("storage")->error("a commit handler threw");
        }
    }

private:
    std::vector<events::routed_event> batch_;
    std::vector<prepared_event> prepared_;
    commit_handler done_;
    commit_result result_;
};

/// Fulfils `done` through `fulfil`, or with the error as std::system_error.
template <typename T, typename Fulfil>
void settle(std::promise<T>& done, std::error_code error, const char* what, Fulfil fulfil)
{
    if (error) {
        done.set_exception(std::make_exception_ptr(std::system_error(error, what)));
    } else {
        fulfil();
    }
}

class put_suppression_job final : public write_job {
public:
    put_suppression_job(suppression entry, std::promise<void> done)
        : entry_(std::move(entry)), done_(std::move(done))
    {
    }

    std::size_t weight() const noexcept override { return 1; }

    void run(connection& db) override
    {
        db.prepare("INSERT INTO suppressions (email, reason, provider, created_at) "
                   "VALUES (?, ?, ?, ?) ON CONFLICT (email) DO UPDATE SET "
                   "reason = excluded.reason, provider = excluded.provider, "
                   "created_at = excluded.created_at")
            .bind(entry_.email)
            .bind(entry_.reason)
            .bind(entry_.provider)
            .bind(entry_.created_at)
            .run();
    }

    void finish(std::error_code error) noexcept override
    {
        settle(done_, error, "storing the suppression failed", [this] { done_.set_value(); });
    }

private:
    suppression entry_;
    std::promise<void> done_;
};

class remove_suppression_job final : public write_job {
public:
    remove_suppression_job(std::string email, std::promise<bool> done)
        : email_(std::move(email)), done_(std::move(done))
    {
    }

    std::size_t weight() const noexcept override { return 1; }

    void run(connection& db) override
    {
        auto q = db.prepare("DELETE FROM suppressions WHERE email = ? RETURNING email");
        existed_ = q.bind(email_).step();
    }

    void finish(std::error_code error) noexcept override
    {
        settle(done_, error, "removing the suppression failed",
               [this] { done_.set_value(existed_); });
    }

private:
    std::string email_;
    std::promise<bool> done_;
    bool existed_ = false;
};

} // namespace

std::unique_ptr<write_job> make_batch_job(std::vector<events::routed_event> batch,
                                          commit_handler done)
{
    return std::make_unique<batch_job>(std::move(batch), std::move(done));
}

std::unique_ptr<write_job> make_put_suppression_job(suppression entry, std::promise<void> done)
{
    return std::make_unique<put_suppression_job>(std::move(entry), std::move(done));
}

std::unique_ptr<write_job> make_remove_suppression_job(std::string email, std::promise<bool> done)
{
    return std::make_unique<remove_suppression_job>(std::move(email), std::move(done));
}

} // namespace mailgate::core::storage::sqlite
