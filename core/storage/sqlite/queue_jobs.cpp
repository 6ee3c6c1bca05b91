#include "core/storage/sqlite/queue_jobs.hpp"

#include "core/storage/job_completion.hpp"
#include "core/storage/sqlite/event_writes.hpp"

#include <map>
#include <memory>
#include <optional>

namespace mailgate::core::storage::sqlite {
namespace {

class enqueue_job final : public write_job {
public:
    enqueue_job(std::vector<queued_message> messages, done_handler done)
        : messages_(std::move(messages)), done_(std::move(done))
    {
    }

    std::size_t weight() const noexcept override { return messages_.size(); }

    void run(connection& db, event_indexes& /*indexes*/) override
    {
        const auto entity_ids = insert_entities(db);
        for (const auto& m : messages_) {
            const auto entity = entity_ids.find(m.entity.get());
            const bool leased = m.state == delivery_state::sending;
            db.prepare(
                  "INSERT INTO outbound_messages (id, provider, campaign_id, mail_from, "
                  "recipient, smtputf8, head, entity_id, state, attempts, created_at, "
                  "next_attempt_at, updated_at, lease_owner, last_reply, failure, "
                  "provider_message_id, stream) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, NULLIF(?, 0), ?, ?, ?, ?, ?, ?, '', '', '', ?)")
                .bind(m.id)
                .bind(m.provider)
                .bind(m.campaign_id)
                .bind(m.mail_from)
                .bind(m.recipient)
                .bind(int64_t{m.smtputf8 ? 1 : 0})
                .bind_blob(m.head)
                .bind(entity == entity_ids.end() ? int64_t{0} : entity->second)
                .bind(to_string(leased ? delivery_state::sending : delivery_state::queued))
                .bind(leased ? m.attempts : int64_t{0})
                .bind(m.created_at)
                .bind(leased ? m.next_attempt_at : m.created_at)
                .bind(m.created_at)
                .bind(leased ? std::string_view(m.lease_owner) : std::string_view())
                .bind(m.stream)
                .run();
        }
    }

    void finish(std::error_code error) noexcept override
    {
        call_handler([&] { done_(error); });
    }

private:
    // Each shared entity once, with as many references as messages name it.
    std::map<const std::string*, int64_t> insert_entities(connection& db) const
    {
        std::map<const std::string*, int64_t> refs;
        for (const auto& m : messages_) {
            if (m.entity) {
                ++refs[m.entity.get()];
            }
        }
        for (auto& [entity, count] : refs) {
            db.prepare("INSERT INTO outbound_entities (entity, refs) VALUES (?, ?)")
                .bind_blob(*entity)
                .bind(count)
                .run();
            count = db.last_insert_rowid();
        }
        return refs;
    }

    std::vector<queued_message> messages_;
    done_handler done_;
};

class claim_job final : public write_job {
public:
    claim_job(std::string owner, std::size_t max, int64_t now, int64_t lease_until,
              claim_handler done)
        : owner_(std::move(owner)), max_(max), now_(now), lease_until_(lease_until),
          done_(std::move(done))
    {
    }

    std::size_t weight() const noexcept override { return max_; }

    void run(connection& db, event_indexes& /*indexes*/) override
    {
        claimed_.clear();
        auto q = db.prepare(
            "UPDATE outbound_messages SET state = 'sending', attempts = attempts + 1, "
            "next_attempt_at = ?, lease_owner = ?, updated_at = ? "
            "WHERE rowid IN (SELECT rowid FROM outbound_messages "
            "WHERE state IN ('queued', 'sending', 'deferred') AND next_attempt_at <= ? "
            "ORDER BY next_attempt_at LIMIT ?) "
            "RETURNING id, provider, campaign_id, mail_from, recipient, smtputf8, attempts, "
            "created_at, head, entity_id, content_id, stream");
        q.bind(lease_until_).bind(owner_).bind(now_).bind(now_).bind(static_cast<int64_t>(max_));
        std::map<int64_t, std::shared_ptr<const std::string>> entities;
        std::vector<std::pair<std::size_t, int64_t>> whole_texts; // rows from before version 5
        while (q.step()) {
            auto& m = claimed_.emplace_back(message_of(q));
            if (q.is_null(8)) {
                whole_texts.emplace_back(claimed_.size() - 1, q.integer(10));
                continue;
            }
            m.head = q.text(8);
            if (!q.is_null(9)) {
                m.entity = entity(db, q.integer(9), entities);
            }
        }
        for (const auto& [at, content_id] : whole_texts) {
            auto c = db.prepare("SELECT content FROM outbound_contents WHERE id = ?");
            c.bind(content_id);
            claimed_[at].head = c.step() ? c.text(0) : std::string();
        }
    }

    void finish(std::error_code error) noexcept override
    {
        if (error) {
            claimed_.clear();
        }
        call_handler([&] { done_(error, std::move(claimed_)); });
    }

private:
    // The messages of one request share their entity in memory too: read once per claim.
    static std::shared_ptr<const std::string>
    entity(connection& db, int64_t id, std::map<int64_t, std::shared_ptr<const std::string>>& read)
    {
        auto& entity = read[id];
        if (!entity) {
            auto e = db.prepare("SELECT entity FROM outbound_entities WHERE id = ?");
            e.bind(id);
            entity = std::make_shared<const std::string>(e.step() ? e.text(0) : std::string());
        }
        return entity;
    }

    queued_message message_of(const query& row) const
    {
        queued_message m;
        m.id = row.text(0);
        m.provider = row.text(1);
        m.campaign_id = row.text(2);
        m.mail_from = row.text(3);
        m.recipient = row.text(4);
        m.smtputf8 = row.integer(5) != 0;
        m.state = delivery_state::sending;
        m.attempts = row.integer(6);
        m.created_at = row.integer(7);
        m.stream = row.text(11);
        m.next_attempt_at = lease_until_;
        m.updated_at = now_;
        return m;
    }

    std::string owner_;
    std::size_t max_;
    int64_t now_;
    int64_t lease_until_;
    claim_handler done_;
    std::vector<queued_message> claimed_;
};

bool final_state(delivery_state s)
{
    return s == delivery_state::sent || s == delivery_state::failed;
}

class record_job final : public write_job {
public:
    record_job(std::vector<delivery_outcome> outcomes, done_handler done)
        : outcomes_(std::move(outcomes)), done_(std::move(done))
    {
        for (const auto& o : outcomes_) {
            for (const auto& routed : o.events) {
                prepared_.push_back(prepare_event(routed));
            }
        }
    }

    std::size_t weight() const noexcept override { return outcomes_.size(); }

    void run(connection& db, event_indexes& indexes) override
    {
        std::map<int64_t, int64_t> released; // entity id -> references given up
        std::size_t next_prepared = 0;
        for (const auto& o : outcomes_) {
            record(db, o, released);
            for (const auto& routed : o.events) {
                apply_event(db, indexes, routed, prepared_[next_prepared++]);
            }
        }
        release_entities(db, released);
    }

    void finish(std::error_code error) noexcept override
    {
        call_handler([&] { done_(error); });
    }

private:
    // A message's content goes once it is final: the queue keeps its history, not its bytes.
    static void record(connection& db, const delivery_outcome& o,
                       std::map<int64_t, int64_t>& released)
    {
        const bool final = final_state(o.state);
        std::optional<int64_t> entity_id, content_id;
        {
            auto q = db.prepare(
                "UPDATE outbound_messages SET state = ?, next_attempt_at = ?, updated_at = ?, "
                "lease_owner = '', last_reply = ?, failure = ?, provider_message_id = ?, "
                "head = CASE WHEN ? THEN NULL ELSE head END "
                "WHERE id = ? AND state = 'sending' RETURNING entity_id, content_id");
            q.bind(to_string(o.state))
                .bind(o.next_attempt_at)
                .bind(o.at)
                .bind(o.last_reply)
                .bind(o.failure)
                .bind(o.provider_message_id)
                .bind(int64_t{final ? 1 : 0})
                .bind(o.id);
            if (!q.step() || !final) {
                return;
            }
            entity_id = optional_integer(q, 0);
            content_id = optional_integer(q, 1);
        }
        if (entity_id) {
            ++released[*entity_id];
        }
        if (content_id) {
            drop_whole_text(db, o.id, *content_id);
        }
    }

    static std::optional<int64_t> optional_integer(const query& q, int column)
    {
        return q.is_null(column) ? std::nullopt : std::optional<int64_t>(q.integer(column));
    }

    // A row from before version 5 keeps its whole text in outbound_contents.
    static void drop_whole_text(connection& db, const std::string& id, int64_t content_id)
    {
        db.prepare("DELETE FROM outbound_contents WHERE id = ?").bind(content_id).run();
        db.prepare("UPDATE outbound_messages SET content_id = NULL WHERE id = ?").bind(id).run();
    }

    // An entity goes with the last message that named it.
    static void release_entities(connection& db, const std::map<int64_t, int64_t>& released)
    {
        for (const auto& [id, count] : released) {
            db.prepare("UPDATE outbound_entities SET refs = refs - ? WHERE id = ?")
                .bind(count)
                .bind(id)
                .run();
            db.prepare("DELETE FROM outbound_entities WHERE id = ? AND refs <= 0").bind(id).run();
        }
    }

    std::vector<delivery_outcome> outcomes_;
    std::vector<prepared_event> prepared_;
    done_handler done_;
};

class release_job final : public write_job {
public:
    release_job(std::string owner, std::promise<std::size_t> done)
        : owner_(std::move(owner)), done_(std::move(done))
    {
    }

    std::size_t weight() const noexcept override { return 1; }

    void run(connection& db, event_indexes& /*indexes*/) override
    {
        // The first term names the index of unfinished messages, which SQLite then scans.
        db.prepare("UPDATE outbound_messages SET next_attempt_at = 0, lease_owner = '' "
                   "WHERE state IN ('queued', 'sending', 'deferred') AND state = 'sending' "
                   "AND lease_owner = ?")
            .bind(owner_)
            .run();
        released_ = static_cast<std::size_t>(db.changes());
    }

    void finish(std::error_code error) noexcept override
    {
        settle(done_, error, "releasing leases failed", [this] { done_.set_value(released_); });
    }

private:
    std::string owner_;
    std::promise<std::size_t> done_;
    std::size_t released_ = 0;
};

} // namespace

std::unique_ptr<write_job> make_enqueue_job(std::vector<queued_message> messages, done_handler done)
{
    return std::make_unique<enqueue_job>(std::move(messages), std::move(done));
}

std::unique_ptr<write_job> make_claim_job(std::string owner, std::size_t max, int64_t now,
                                          int64_t lease_until, claim_handler done)
{
    return std::make_unique<claim_job>(std::move(owner), max, now, lease_until, std::move(done));
}

std::unique_ptr<write_job> make_record_job(std::vector<delivery_outcome> outcomes,
                                           done_handler done)
{
    return std::make_unique<record_job>(std::move(outcomes), std::move(done));
}

std::unique_ptr<write_job> make_release_job(std::string owner, std::promise<std::size_t> done)
{
    return std::make_unique<release_job>(std::move(owner), std::move(done));
}

} // namespace mailgate::core::storage::sqlite
