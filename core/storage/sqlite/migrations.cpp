#include "core/storage/sqlite/migrations.hpp"

#include "core/base/clock.hpp"
#include "core/log/log.hpp"
#include "core/storage/sqlite/canonical_addresses.hpp"
#include "core/storage/sqlite/transaction.hpp"

#include <array>
#include <string>

namespace mailgate::core::storage::sqlite {
namespace {

// Text columns are NOT NULL: an absent value is '', as in the event model. The CHECKs keep
// rows that would break idempotency out: with an empty key, unrelated events of a provider
// would count as duplicates of each other.
constexpr std::string_view initial_schema = R"sql(
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    provider TEXT NOT NULL CHECK (provider <> ''),
    driver TEXT NOT NULL,
    kind TEXT NOT NULL,
    permanent INTEGER NOT NULL,
    email TEXT NOT NULL,
    occurred_at INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    meta TEXT NOT NULL,
    message_id TEXT NOT NULL,
    campaign_id TEXT NOT NULL,
    profile TEXT NOT NULL,
    description TEXT NOT NULL,
    provider_event_id TEXT NOT NULL,
    event_key TEXT NOT NULL CHECK (event_key <> ''),
    detail_json TEXT NOT NULL,
    -- The derived system events, a JSON array of [name, property, reason]: read with their
    -- event only, so a row of their own (and its index) would only slow the writer.
    system_events TEXT NOT NULL,
    email_hash INTEGER NOT NULL,
    -- The idempotency key: the first 16 bytes of SHA-256 over provider and event_key. Short
    -- entries keep the unique index, which takes random keys, small and quick to search.
    key_hash BLOB NOT NULL UNIQUE CHECK (length(key_hash) = 16)
);
-- By a hash of the address: small integer entries for an index that takes random keys.
CREATE INDEX events_email_hash ON events (email_hash);
-- Only attributed events have a campaign: the others cost this index nothing.
CREATE INDEX events_campaign_id ON events (campaign_id) WHERE campaign_id <> '';
CREATE INDEX events_received_at ON events (received_at);


CREATE TABLE suppressions (
    email TEXT NOT NULL PRIMARY KEY,
    reason TEXT NOT NULL,
    provider TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX suppressions_reason ON suppressions (reason, email);

CREATE TABLE campaign_counters (
    campaign_id TEXT NOT NULL,
    counter TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, counter)
);
)sql";

// The outbound queue. One row per recipient; `content` is emptied once the message reaches a
// final state. For a message being sent, next_attempt_at is when its lease runs out, so one
// index finds everything due.
constexpr std::string_view outbound_queue_schema = R"sql(
CREATE TABLE outbound_messages (
    id TEXT NOT NULL PRIMARY KEY,
    provider TEXT NOT NULL,
    campaign_id TEXT NOT NULL,
    mail_from TEXT NOT NULL,
    recipient TEXT NOT NULL,
    smtputf8 INTEGER NOT NULL,
    content BLOB NOT NULL,
    state TEXT NOT NULL
        CHECK (state IN ('queued', 'sending', 'sent', 'deferred', 'failed')),
    attempts INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    lease_owner TEXT NOT NULL,
    last_reply TEXT NOT NULL,
    failure TEXT NOT NULL,
    provider_message_id TEXT NOT NULL
);
CREATE INDEX outbound_messages_due ON outbound_messages (next_attempt_at)
    WHERE state IN ('queued', 'sending', 'deferred');
CREATE INDEX outbound_messages_leased ON outbound_messages (lease_owner)
    WHERE state = 'sending';
)sql";

// Contents move to a table of their own. SQLite rewrites a whole row on every UPDATE, so with the
// content inline each claim and each outcome copied the message's bytes (and, with Debian's
// SECURE_DELETE, zeroed the pages they left). Rowid order: inserts append.
constexpr std::string_view outbound_contents_schema = R"sql(
CREATE TABLE outbound_contents (
    id INTEGER PRIMARY KEY,
    content BLOB NOT NULL
);
ALTER TABLE outbound_messages ADD COLUMN content_id INTEGER;
INSERT INTO outbound_contents (id, content)
    SELECT rowid, content FROM outbound_messages WHERE length(content) > 0;
UPDATE outbound_messages SET content_id = rowid WHERE length(content) > 0;
ALTER TABLE outbound_messages DROP COLUMN content;
)sql";

// The two indexes with random keys, the idempotency key and the address, move to tables of
// their own, which the writer fills in key order many entries at a time (event_indexes): as
// indexes on the events table they took two random-key inserts per event, the writer's largest
// cost. index_marks holds the last event they cover. The events table is rebuilt without the
// address hash and without the unique constraint on the key (SQLite cannot drop one in place).
constexpr std::string_view event_indexes_schema = R"sql(
CREATE TABLE event_emails (
    email_hash INTEGER NOT NULL,
    event_id INTEGER NOT NULL,
    PRIMARY KEY (email_hash, event_id)
) WITHOUT ROWID;
INSERT INTO event_emails (email_hash, event_id) SELECT email_hash, id FROM events ORDER BY 1, 2;
CREATE TABLE event_keys (
    key_hash BLOB NOT NULL PRIMARY KEY CHECK (length(key_hash) = 16)
) WITHOUT ROWID;
INSERT INTO event_keys (key_hash) SELECT key_hash FROM events ORDER BY 1;
CREATE TABLE index_marks (
    name TEXT NOT NULL PRIMARY KEY,
    up_to INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO index_marks (name, up_to) SELECT 'event_indexes', coalesce(max(id), 0) FROM events;
CREATE TABLE events_4 (
    id INTEGER PRIMARY KEY,
    provider TEXT NOT NULL CHECK (provider <> ''),
    driver TEXT NOT NULL,
    kind TEXT NOT NULL,
    permanent INTEGER NOT NULL,
    email TEXT NOT NULL,
    occurred_at INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    meta TEXT NOT NULL,
    message_id TEXT NOT NULL,
    campaign_id TEXT NOT NULL,
    profile TEXT NOT NULL,
    description TEXT NOT NULL,
    provider_event_id TEXT NOT NULL,
    event_key TEXT NOT NULL CHECK (event_key <> ''),
    detail_json TEXT NOT NULL,
    system_events TEXT NOT NULL,
    -- Unique through event_keys: kept here so the writer can index the newest events from them.
    key_hash BLOB NOT NULL CHECK (length(key_hash) = 16)
);
INSERT INTO events_4 (id, provider, driver, kind, permanent, email, occurred_at, received_at,
    meta, message_id, campaign_id, profile, description, provider_event_id, event_key,
    detail_json, system_events, key_hash)
SELECT id, provider, driver, kind, permanent, email, occurred_at, received_at, meta, message_id,
    campaign_id, profile, description, provider_event_id, event_key, detail_json, system_events,
    key_hash FROM events;
DROP TABLE events;
ALTER TABLE events_4 RENAME TO events;
CREATE INDEX events_campaign_id ON events (campaign_id) WHERE campaign_id <> '';
CREATE INDEX events_received_at ON events (received_at);
)sql";

// A request to many recipients stores its MIME entity once, and each message keeps only its own
// header fields, in its row: one row a message, as small as an event's. The entity goes with
// the last of its messages to reach a final state (`refs` counts those still to); a final
// message's entity_id then names an entity that may be gone. Rows from before keep their whole
// text in outbound_contents (head NULL, content_id set). The index of leases goes: each claim and
// each outcome paid for it, and it served only the release at start-up, which the index of
// unfinished messages serves as well.
constexpr std::string_view outbound_entities_schema = R"sql(
CREATE TABLE outbound_entities (
    id INTEGER PRIMARY KEY,
    entity BLOB NOT NULL,
    refs INTEGER NOT NULL
);
ALTER TABLE outbound_messages ADD COLUMN head BLOB;
ALTER TABLE outbound_messages ADD COLUMN entity_id INTEGER;
DROP INDEX outbound_messages_leased;
)sql";

// How many times each address's suppression was lifted (by the operator or a resubscribe): an
// event that suppresses is stored under a key that counts them (key_after_lifts), so an opt-out
// repeated after a lift is a new event, while a retry with no lift between stays a duplicate.
constexpr std::string_view address_lifts_schema = R"sql(
CREATE TABLE address_lifts (
    email TEXT NOT NULL PRIMARY KEY,
    lifts INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

// Why each event happened (docs/events.md): the reason, the SMTP reply code, the enhanced
// status and the remote MTA. Events stored before have none ('' and 0).
constexpr std::string_view event_causes_schema = R"sql(
ALTER TABLE events ADD COLUMN reason TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN smtp_code INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN status TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN remote_mta TEXT NOT NULL DEFAULT '';
)sql";

// Campaign reports by reason: counted from the stored events for those that came with a reason
// before the counting began (since migration 8).
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
    mailbox TEXT NOT NULL PRIMARY KEY,
    uid_validity INTEGER NOT NULL,
    last_uid INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

// The suppression policy (docs/suppression.md): an entry per (address, stream), "*" for every
// stream, which may lapse by itself (expires_at; 0: never) and says who made it and why. Entries
// from before cover every stream, as strict as they were. Every change is kept in
// suppression_changes (the address's history), and count rules keep their recent hits per
// address in rule_counts (comma-separated Unix ms: read and written whole by the one writer).
// The CHECK keeps an entry that no stream could match out. Re-runnable, as version 10 (a test
// re-runs the versions from the backfill on): the tables IF NOT EXISTS, the changes to existing
// tables (upgrade_to_streams) only where their columns are missing.
constexpr std::string_view suppression_policy_schema = R"sql(
CREATE TABLE IF NOT EXISTS suppression_changes (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL,
    stream TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('suppress', 'lift')),
    reason TEXT NOT NULL,
    source TEXT NOT NULL,
    note TEXT NOT NULL,
    at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS suppression_changes_email ON suppression_changes (email, id);
CREATE TABLE IF NOT EXISTS rule_counts (
    email TEXT NOT NULL,
    rule TEXT NOT NULL,
    hits TEXT NOT NULL,
    PRIMARY KEY (email, rule)
) WITHOUT ROWID;
)sql";

// SQLite cannot change a primary key in place: the table is rebuilt.
constexpr std::string_view suppressions_by_stream_sql = R"sql(
CREATE TABLE suppressions_11 (
    email TEXT NOT NULL,
    stream TEXT NOT NULL CHECK (stream <> ''),
    reason TEXT NOT NULL,
    provider TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    source TEXT NOT NULL,
    note TEXT NOT NULL,
    PRIMARY KEY (email, stream)
) WITHOUT ROWID;
INSERT INTO suppressions_11 (email, stream, reason, provider, created_at, expires_at, source, note)
SELECT email, '*', reason, provider, created_at, 0,
       CASE WHEN provider <> '' THEN 'rule:' || reason ELSE 'admin' END, ''
FROM suppressions;
DROP TABLE suppressions;
ALTER TABLE suppressions_11 RENAME TO suppressions;
CREATE INDEX suppressions_reason ON suppressions (reason, email, stream);
)sql";

bool has_column(connection& db, std::string_view table, std::string_view column)
{
    auto q = db.prepare("SELECT count(*) FROM pragma_table_info(?) WHERE name = ?");
    q.bind(table).bind(column).step();
    return q.integer(0) > 0;
}

void upgrade_to_streams(connection& db)
{
    if (!has_column(db, "suppressions", "stream")) {
        db.execute_script(std::string(suppressions_by_stream_sql));
    }
    if (!has_column(db, "outbound_messages", "stream")) {
        db.execute_script(
            "ALTER TABLE outbound_messages ADD COLUMN stream TEXT NOT NULL DEFAULT ''");
    }
}

// Each event's stream (meta_fields::stream): what `mailgate suppressions rebuild` replays the
// policy with. Events stored before have none (''). With a constant default, ADD COLUMN only
// changes the schema (old rows read the default), so a large log upgrades at once. Re-runnable,
// as version 11 (a test re-runs the versions from the backfill on): only where it is missing.
void add_event_streams(connection& db)
{
    if (!has_column(db, "events", "stream")) {
        db.execute_script("ALTER TABLE events ADD COLUMN stream TEXT NOT NULL DEFAULT ''");
    }
}

// Count rules' hits are the counted events themselves (rule_counts.hpp): each keeps its rule and
// window, and counted_addresses lists the addresses counted (a row of their hashes with each
// write of the event indexes).
// rule_counts goes: written per hit, it cost the writer as much as the event. Events stored
// before have neither, so counts begun before this version start again.
// Re-runnable, as version 11 (a test re-runs the versions from the backfill on).
void count_events(connection& db)
{
    if (!has_column(db, "events", "count_rule")) {
        db.execute_script("ALTER TABLE events ADD COLUMN count_rule TEXT NOT NULL DEFAULT '';"
                          "ALTER TABLE events ADD COLUMN count_window INTEGER NOT NULL DEFAULT 0;");
    }
    db.execute_script("CREATE TABLE IF NOT EXISTS counted_addresses ("
                      "id INTEGER PRIMARY KEY, hashes BLOB NOT NULL);"
                      "DROP TABLE IF EXISTS rule_counts;");
}

constexpr std::array<migration, 13> migrations{{
    {1, initial_schema},
    {2, outbound_queue_schema},
    {3, outbound_contents_schema},
    {4, event_indexes_schema},
    {5, outbound_entities_schema},
    // Stored addresses in the canonical form (docs/events.md, "Addresses").
    {6, address_changes_schema, &rewrite_canonical_addresses},
    {7, address_lifts_schema},
    {8, event_causes_schema},
    {9, reason_counters_backfill},
    {10, mailbox_cursors_schema},
    {11, suppression_policy_schema, &upgrade_to_streams},
    {12, "", &add_event_streams},
    {13, "", &count_events},
}};

int recorded_version(connection& db)
{
    db.execute_script("CREATE TABLE IF NOT EXISTS schema_migrations ("
                      "version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)");
    auto q = db.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    q.step();
    return static_cast<int>(q.integer(0));
}

void apply(connection& db, const migration& m)
{
    db.execute_script(std::string(m.sql));
    if (m.rewrite_rows != nullptr) {
        m.rewrite_rows(db);
    }
    db.prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)")
        .bind(int64_t{m.version})
        .bind(base::unix_ms_now())
        .run();
    log::get("storage")->info("applied schema migration {}", m.version);
}

} // namespace

std::span<const migration> all_migrations() noexcept
{
    return migrations;
}

int migrate(connection& db, std::span<const migration> list)
{
    // IMMEDIATE: two processes opening one new file must not both apply the same migration.
    transaction tx(db);
    int version = recorded_version(db);
    refuse_newer(version, list);
    for (const auto& m : list) {
        if (m.version > version) {
            apply(db, m);
            version = m.version;
        }
    }
    tx.commit();
    return version;
}

} // namespace mailgate::core::storage::sqlite
