#include "core/storage/postgres/queue_jobs.hpp"

#include "core/storage/job_completion.hpp"
#include "core/storage/prepared_event.hpp"

namespace mailgate::core::storage::postgres {
namespace {

constexpr std::string_view enqueue_sql =
    "INSERT INTO outbound_messages (id, provider, campaign_id, mail_from, recipient, smtputf8, "
    "content, state, attempts, created_at, next_attempt_at, updated_at, lease_owner, "
    "last_reply, failure, provider_message_id, stream) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $9, $10, $8, $11, $8, $12, '', '', '', $13)";

// The rows are locked in the CTE, skipping those another transaction holds, so concurrent
// claims (on this node's writer or another node's) split the due messages between them.
constexpr std::string_view claim_sql = R"sql(
WITH due AS (
    SELECT id FROM outbound_messages
    WHERE state IN ('queued', 'sending', 'deferred') AND next_attempt_at <= $1
    ORDER BY next_attempt_at LIMIT $2
    FOR UPDATE SKIP LOCKED)
UPDATE outbound_messages AS m
SET state = 'sending', attempts = m.attempts + 1, next_attempt_at = $3, lease_owner = $4,
    updated_at = $1
FROM due WHERE m.id = due.id
RETURNING m.id, m.provider, m.campaign_id, m.mail_from, m.recipient, m.smtputf8, m.content,
          m.attempts, m.created_at, m.stream)sql";

// A message's content goes once it is final: the queue keeps its history, not its bytes.
constexpr std::string_view record_sql =
    "UPDATE outbound_messages SET state = $1, next_attempt_at = $2, updated_at = $3, "
    "lease_owner = '', last_reply = $4, failure = $5, provider_message_id = $6, "
    "content = CASE WHEN $7 THEN ''::bytea ELSE content END "
    "WHERE id = $8 AND state = 'sending'";

constexpr std::string_view release_sql =
    "UPDATE outbound_messages SET next_attempt_at = 0, lease_owner = '' "
    "WHERE state = 'sending' AND lease_owner = $1";

class enqueue_job final : public write_job {
public:
    enqueue_job(std::vector<queued_message> messages, done_handler done)
        : messages_(std::move(messages)), done_(std::move(done))
    {
    }

    std::size_t weight() const noexcept override { return messages_.size(); }

    // One statement per message: the content goes as binary bytea, not hex-encoded in an
    // array, and the pipeline sends them all in one round trip. Each row holds its whole text,
    // the shared entity included.
    void plan(write_set& writes) override
    {
        for (const auto& m : messages_) {
            const bool leased = m.state == delivery_state::sending;
            writes.add_statement(
                enqueue_sql,
                params()
                    .text(m.id)
                    .text(m.provider)
                    .text(m.campaign_id)
                    .text(m.mail_from)
                    .text(m.recipient)
                    .boolean(m.smtputf8)
                    .bytes(m.text())
                    .integer(m.created_at)
                    .text(to_string(leased ? delivery_state::sending : delivery_state::queued))
                    .integer(leased ? m.attempts : 0)
                    .integer(leased ? m.next_attempt_at : m.created_at)
                    .text(leased ? m.lease_owner : "")
                    .text(m.stream));
        }
    }

    void finish(std::error_code error) noexcept override
    {
        call_handler([&] { done_(error); });
    }

private:
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

    void plan(write_set& writes) override
    {
        claimed_.clear();
        writes.add_statement(claim_sql,
                             params()
                                 .integer(now_)
                                 .integer(static_cast<int64_t>(max_))
                                 .integer(lease_until_)
                                 .text(owner_),
                             [this](const result& r) {
                                 for (int row = 0; row < r.rows(); ++row) {
                                     claimed_.push_back(message_of(r, row));
                                 }
                             });
    }

    void finish(std::error_code error) noexcept override
    {
        if (error) {
            claimed_.clear();
        }
        call_handler([&] { done_(error, std::move(claimed_)); });
    }

private:
    queued_message message_of(const result& r, int row) const
    {
        queued_message m;
        m.id = r.text(row, 0);
        m.provider = r.text(row, 1);
        m.campaign_id = r.text(row, 2);
        m.mail_from = r.text(row, 3);
        m.recipient = r.text(row, 4);
        m.smtputf8 = r.boolean(row, 5);
        m.head = r.bytes(row, 6);
        m.state = delivery_state::sending;
        m.attempts = r.integer(row, 7);
        m.created_at = r.integer(row, 8);
        m.stream = r.text(row, 9);
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
        for (auto& o : outcomes_) {
            for (auto& routed : o.events) {
                prepared_.push_back(prepare_event(routed));
                events_.push_back(std::move(routed));
            }
            o.events.clear();
        }
    }

    std::size_t weight() const noexcept override { return outcomes_.size(); }

    void plan(write_set& writes) override
    {
        for (const auto& o : outcomes_) {
            writes.add_statement(record_sql, params()
                                                 .text(to_string(o.state))
                                                 .integer(o.next_attempt_at)
                                                 .integer(o.at)
                                                 .text(o.last_reply)
                                                 .text(o.failure)
                                                 .text(o.provider_message_id)
                                                 .boolean(final_state(o.state))
                                                 .text(o.id));
        }
        writes.add_events(events_, prepared_);
    }

    void finish(std::error_code error) noexcept override
    {
        call_handler([&] { done_(error); });
    }

private:
    std::vector<delivery_outcome> outcomes_;
    std::vector<events::routed_event> events_; ///< every outcome's, in order
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

    void plan(write_set& writes) override
    {
        released_ = 0;
        writes.add_statement(release_sql, params().text(owner_), [this](const result& r) {
            released_ = static_cast<std::size_t>(r.changed());
        });
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

} // namespace mailgate::core::storage::postgres
