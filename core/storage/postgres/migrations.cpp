#include "core/storage/postgres/migrations.hpp"

#include "core/log/log.hpp"
#include "core/storage/postgres/canonical_addresses.hpp"

#include <array>
#include <string>

namespace mailgate::core::storage::postgres {
namespace {

// As SQLite's, with PostgreSQL types. Keys and the addresses the API pages through compare
// bytewise (COLLATE "C"), as in SQLite: the database's locale would order them differently,
// and C keeps their unique indexes quicker.
constexpr std::string_view initial_schema = R"sql(
CREATE TABLE events (
    id bigserial PRIMARY KEY,
    provider text NOT NULL CHECK (provider <> ''),
    driver text NOT NULL,
    kind text NOT NULL,
    permanent boolean NOT NULL,
    email text NOT NULL,
    occurred_at bigint NOT NULL,
    received_at bigint NOT NULL,
    meta text NOT NULL,
    message_id text NOT NULL,
    campaign_id text COLLATE "C" NOT NULL,
    profile text NOT NULL,
    description text NOT NULL,
    provider_event_id text NOT NULL,
    event_key text NOT NULL CHECK (event_key <> ''),
    detail_json text NOT NULL,
    system_events text NOT NULL,
    email_hash bigint NOT NULL,
    key_hash bytea NOT NULL UNIQUE CHECK (length(key_hash) = 16)
);
CREATE INDEX events_email_hash ON events (email_hash);
CREATE INDEX events_campaign_id ON events (campaign_id) WHERE campaign_id <> '';
CREATE INDEX events_received_at ON events (received_at);

CREATE TABLE suppressions (
    email text COLLATE "C" NOT NULL PRIMARY KEY,
    reason text COLLATE "C" NOT NULL,
    provider text NOT NULL,
    created_at bigint NOT NULL
);
CREATE INDEX suppressions_reason ON suppressions (reason, email);

CREATE TABLE campaign_counters (
    campaign_id text COLLATE "C" NOT NULL,
    counter text COLLATE "C" NOT NULL,
    count bigint NOT NULL,
    PRIMARY KEY (campaign_id, counter)
);
)sql";

constexpr std::string_view outbound_queue_schema = R"sql(
CREATE TABLE outbound_messages (
    id text COLLATE "C" NOT NULL PRIMARY KEY,
    provider text NOT NULL,
    campaign_id text NOT NULL,
    mail_from text NOT NULL,
    recipient text NOT NULL,
    smtputf8 boolean NOT NULL,
    content bytea NOT NULL,
    state text NOT NULL
        CHECK (state IN ('queued', 'sending', 'sent', 'deferred', 'failed')),
    attempts bigint NOT NULL,
    created_at bigint NOT NULL,
    next_attempt_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    lease_owner text COLLATE "C" NOT NULL,
    last_reply text NOT NULL,
    failure text NOT NULL,
    provider_message_id text NOT NULL
);
CREATE INDEX outbound_messages_due ON outbound_messages (next_attempt_at)
    WHERE state IN ('queued', 'sending', 'deferred');
CREATE INDEX outbound_messages_leased ON outbound_messages (lease_owner)
    WHERE state = 'sending';
)sql";

// As SQLite's: how many times each address's suppression was lifted (key_after_lifts).
constexpr std::string_view address_lifts_schema = R"sql(
CREATE TABLE address_lifts (
    email text COLLATE "C" NOT NULL PRIMARY KEY,
    lifts bigint NOT NULL
);
)sql";

// As SQLite's: why each event happened (docs/events.md).
constexpr std::string_view event_causes_schema = R"sql(
ALTER TABLE events ADD COLUMN reason text NOT NULL DEFAULT '',
    ADD COLUMN smtp_code integer NOT NULL DEFAULT 0,
    ADD COLUMN status text NOT NULL DEFAULT '',
    ADD COLUMN remote_mta text NOT NULL DEFAULT '';
)sql";

// Campaign reports by reason: counted from the stored events for those that came with a reason
// before the counting began (since migration 5).
constexpr std::string_view reason_counters_backfill = R"sql(
INSERT INTO campaign_counters (campaign_id, counter, count)
SELECT campaign_id, 'reason:' || reason, count(*) FROM events
WHERE campaign_id <> '' AND reason <> ''
GROUP BY campaign_id, reason;
)sql";

// Where each IMAP mailbox's poller stopped (core/imap/mailbox_poller): it resumes there after a
// restart instead of handling the mailbox's bounces again. IF NOT EXISTS: a test re-runs the
// versions from the backfill before it on a database that has them.
constexpr std::string_view mailbox_cursors_schema = R"sql(
CREATE TABLE IF NOT EXISTS mailbox_cursors (
    mailbox text NOT NULL PRIMARY KEY,
    uid_validity bigint NOT NULL,
    last_uid bigint NOT NULL,
    updated_at bigint NOT NULL
);
)sql";

// As SQLite's: the suppression policy's entries by (address, stream), their history and the
// count rules' hits (an array, appended and pruned in place under the row's lock). Re-runnable,
// as version 7 (a test re-runs the versions from the backfill on).
constexpr std::string_view suppression_policy_schema = R"sql(
ALTER TABLE suppressions
    ADD COLUMN IF NOT EXISTS stream text COLLATE "C" NOT NULL DEFAULT '*' CHECK (stream <> ''),
    ADD COLUMN IF NOT EXISTS expires_at bigint NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS source text NOT NULL DEFAULT '',
    ADD COLUMN IF NOT EXISTS note text NOT NULL DEFAULT '';
UPDATE suppressions SET source = CASE WHEN provider <> '' THEN 'rule:' || reason ELSE 'admin' END
WHERE source = '';
ALTER TABLE suppressions ALTER COLUMN stream DROP DEFAULT,
    ALTER COLUMN expires_at DROP DEFAULT,
    ALTER COLUMN source DROP DEFAULT,
    ALTER COLUMN note DROP DEFAULT,
    DROP CONSTRAINT suppressions_pkey,
    ADD PRIMARY KEY (email, stream);
DROP INDEX IF EXISTS suppressions_reason;
CREATE INDEX suppressions_reason ON suppressions (reason, email, stream);
CREATE TABLE IF NOT EXISTS suppression_changes (
    id bigserial PRIMARY KEY,
    email text COLLATE "C" NOT NULL,
    stream text COLLATE "C" NOT NULL,
    action text NOT NULL CHECK (action IN ('suppress', 'lift')),
    reason text NOT NULL,
    source text NOT NULL,
    note text NOT NULL,
    at bigint NOT NULL,
    expires_at bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS suppression_changes_email ON suppression_changes (email, id);
CREATE TABLE IF NOT EXISTS rule_counts (
    email text COLLATE "C" NOT NULL,
    rule text COLLATE "C" NOT NULL,
    hits bigint[] NOT NULL,
    PRIMARY KEY (email, rule)
);
ALTER TABLE outbound_messages ADD COLUMN IF NOT EXISTS stream text NOT NULL DEFAULT '';
)sql";

// As SQLite's version 12: each event's stream, '' for events stored before. A constant default
// is only recorded in the catalog (PostgreSQL 11+), so the table is not rewritten. Re-runnable,
// as version 7 (a test re-runs the versions from the backfill on).
constexpr std::string_view event_streams_schema = R"sql(
ALTER TABLE events ADD COLUMN IF NOT EXISTS stream text NOT NULL DEFAULT '';
)sql";

constexpr std::array<migration, 9> migrations{{
    {1, initial_schema},
    {2, outbound_queue_schema},
    // Stored addresses in the canonical form (docs/events.md, "Addresses").
    {3, address_changes_schema, &rewrite_canonical_addresses},
    {4, address_lifts_schema},
    {5, event_causes_schema},
    {6, reason_counters_backfill},
    {7, mailbox_cursors_schema},
    {8, suppression_policy_schema},
    {9, event_streams_schema},
}};

// "mailgate" in ASCII: the advisory lock every node takes to migrate, per database.
constexpr std::string_view lock_sql = "SELECT pg_advisory_xact_lock(7881696737186903141)";

int recorded_version(connection& db)
{
    db.execute("CREATE TABLE IF NOT EXISTS schema_migrations ("
               "version integer PRIMARY KEY, applied_at bigint NOT NULL)");
    return static_cast<int>(
        db.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").integer(0, 0));
}

void apply(connection& db, const migration& m)
{
    db.execute(std::string(m.sql));
    if (m.rewrite_rows != nullptr) {
        m.rewrite_rows(db);
    }
    db.query("INSERT INTO schema_migrations (version, applied_at) "
             "VALUES ($1, (extract(epoch FROM clock_timestamp()) * 1000)::bigint)",
             params().integer(m.version));
    log::get("storage")->info("applied schema migration {}", m.version);
}

int migrate_locked(connection& db, std::span<const migration> list)
{
    db.query(lock_sql);
    int version = recorded_version(db);
    refuse_newer(version, list);
    for (const auto& m : list) {
        if (m.version > version) {
            apply(db, m);
            version = m.version;
        }
    }
    return version;
}

} // namespace

std::span<const migration> all_migrations() noexcept
{
    return migrations;
}

int migrate(connection& db, std::span<const migration> list)
{
    db.execute("BEGIN");
    try {
        const int version = migrate_locked(db, list);
        db.execute("COMMIT");
        return version;
    } catch (...) {
        db.rollback();
        throw;
    }
}

} // namespace mailgate::core::storage::postgres
