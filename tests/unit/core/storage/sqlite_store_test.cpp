// What only the SQLite backend does: the file, WAL, migrations, durability across reopen, the
// writer's group budget and its error codes.

#include "core/metrics/registry.hpp"
#include "core/storage/prepared_event.hpp"
#include "core/storage/sqlite/connection.hpp"
#include "core/storage/sqlite/error.hpp"
#include "core/storage/sqlite/migrations.hpp"
#include "core/storage/sqlite_store.hpp"
#include "test_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <future>
#include <span>

namespace mailgate::core::storage {
namespace {

using events::event_kind;
using test::all_events;
using test::apply_and_wait;
using test::in_campaign;
using test::keys_for;
using test::keys_of;
using test::routed;
using test::suppressing;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class SqliteStore : public ::testing::Test {
protected:
    std::filesystem::path file() const { return folder_.path() / "mailgate.db"; }

    std::unique_ptr<store> open(sqlite_options options = {})
    {
        options.path = file();
        return open_sqlite_store(options);
    }

    /// A connection of the test's own to the store's file.
    sqlite::connection raw(sqlite::access mode = sqlite::access::read_only) const
    {
        return sqlite::connection(file(), mode);
    }

    test::temp_folder folder_;
};

using migration_row = std::pair<int64_t, int64_t>; // version, applied_at

std::vector<migration_row> migration_rows(sqlite::connection& db)
{
    auto q = db.prepare("SELECT version, applied_at FROM schema_migrations ORDER BY version");
    std::vector<migration_row> out;
    while (q.step()) {
        out.emplace_back(q.integer(0), q.integer(1));
    }
    return out;
}

TEST_F(SqliteStore, UsesWriteAheadLogging)
{
    auto s = open();
    auto db = raw();

    auto q = db.prepare("PRAGMA journal_mode");
    ASSERT_TRUE(q.step());
    EXPECT_EQ(q.text(0), "wal");
}

TEST_F(SqliteStore, CreatesTheParentFolders)
{
    auto path = folder_.path() / "a" / "b" / "mailgate.db";

    sqlite_options options;
    options.path = path;

    auto s = open_sqlite_store(options);

    EXPECT_TRUE(std::filesystem::is_regular_file(path));
}

TEST_F(SqliteStore, NamesAFileItCannotOpen)
{
    auto path = folder_.path() / "a-folder";
    std::filesystem::create_directory(path);
    sqlite_options options;
    options.path = path;

    try {
        open_sqlite_store(options);
        FAIL() << "a folder is no database";
    } catch (const std::runtime_error& e) {
        EXPECT_THAT(e.what(), HasSubstr("cannot open the SQLite store " + path.string()));
    }
}

TEST_F(SqliteStore, AppliesEachMigrationOnceAcrossReopen)
{
    open().reset();
    auto db = raw();
    auto first = migration_rows(db);
    std::vector<int64_t> versions;
    for (const auto& m : sqlite::all_migrations()) {
        versions.push_back(m.version);
    }
    ASSERT_EQ(first.size(), versions.size());
    for (std::size_t i = 0; i < versions.size(); ++i) {
        EXPECT_EQ(first[i].first, versions[i]);
    }

    open().reset();

    EXPECT_EQ(migration_rows(db), first) << "reopening applies nothing again";
}

std::vector<queued_message> claim_all(store& s, int64_t now)
{
    std::promise<std::vector<queued_message>> done;
    auto result = done.get_future();
    s.claim("node-a", 100, now, now + 60'000,
            [&done](std::error_code ec, std::vector<queued_message> claimed) {
                EXPECT_FALSE(ec) << ec.message();
                done.set_value(std::move(claimed));
            });
    return result.get();
}

std::error_code record_sent(store& s, const std::string& id, int64_t at)
{
    delivery_outcome sent;
    sent.id = id;
    sent.state = delivery_state::sent;
    sent.at = at;
    std::promise<std::error_code> done;
    auto result = done.get_future();
    s.record({sent}, [&done](std::error_code ec) { done.set_value(ec); });
    return result.get();
}

int64_t stored_contents(sqlite::connection& db)
{
    auto q = db.prepare("SELECT count(*) FROM outbound_contents");
    q.step();
    return q.integer(0);
}

int64_t single_integer(sqlite::connection& db, const std::string& sql)
{
    auto q = db.prepare(sql);
    EXPECT_TRUE(q.step()) << sql;
    return q.integer(0);
}

// A request to three recipients stores its entity once, and the entity goes when the last of
// them is final, not before: the bytes a 100-recipient request commits are its body once.
TEST_F(SqliteStore, StoresASharedEntityOnceAndDropsItWithItsLastMessage)
{
    auto s = open();
    auto entity = std::make_shared<const std::string>("Content-Type: text/plain\r\n\r\nbody\r\n");
    std::vector<queued_message> messages;
    for (const char* id : {"m1", "m2", "m3"}) {
        queued_message m;
        m.id = id;
        m.provider = "relay";
        m.recipient = std::string(id) + "@example.com";
        m.head = "To: " + m.recipient + "\r\n";
        m.entity = entity;
        messages.push_back(std::move(m));
    }
    std::promise<std::error_code> done;
    s->enqueue(std::move(messages), [&done](std::error_code ec) { done.set_value(ec); });
    ASSERT_FALSE(done.get_future().get());
    auto db = raw();
    const std::string entities = "SELECT count(*) FROM outbound_entities";
    EXPECT_EQ(single_integer(db, entities), 1);
    EXPECT_EQ(single_integer(db, "SELECT sum(length(entity)) FROM outbound_entities"),
              static_cast<int64_t>(entity->size()));

    const auto claimed = claim_all(*s, 10);
    ASSERT_EQ(claimed.size(), 3u);
    EXPECT_EQ(claimed[0].entity, claimed[2].entity) << "read once, shared in memory";
    ASSERT_FALSE(record_sent(*s, "m1", 20));
    ASSERT_FALSE(record_sent(*s, "m2", 20));
    EXPECT_EQ(single_integer(db, entities), 1) << "m3 still needs it";
    ASSERT_FALSE(record_sent(*s, "m3", 20));
    EXPECT_EQ(single_integer(db, entities), 0);
    EXPECT_EQ(stored_contents(db), 0);
}

// Version 3 moved contents out of the queue's rows: a queue written by version 2 must come
// through with every unsent message's bytes, and nothing kept for the ones already final.
TEST_F(SqliteStore, UpgradesAVersion2QueueKeepingTheUnsentContents)
{
    {
        sqlite::connection db(file(), sqlite::access::read_write);
        sqlite::migrate(db, sqlite::all_migrations().first(2));
        db.execute_script(
            "INSERT INTO outbound_messages VALUES ('queued-1', 'relay', 'c', 'a@example.org', "
            "'b@example.com', 0, CAST('Subject: hi' || char(13, 10, 13, 10) || 'body' AS BLOB), "
            "'queued', 0, 1, 1, 1, '', '', '', '');"
            "INSERT INTO outbound_messages VALUES ('sent-1', 'relay', 'c', 'a@example.org', "
            "'c@example.com', 0, x'', 'sent', 1, 1, 1, 1, '', '250 ok', '', '');");
    }
    auto s = open();
    auto db = raw();
    EXPECT_EQ(stored_contents(db), 1);

    const auto claimed = claim_all(*s, 10);

    ASSERT_EQ(claimed.size(), 1u);
    EXPECT_EQ(claimed[0].id, "queued-1");
    EXPECT_EQ(claimed[0].text(), "Subject: hi\r\n\r\nbody");

    ASSERT_FALSE(record_sent(*s, "queued-1", 20));
    EXPECT_EQ(stored_contents(db), 0) << "a final message keeps its history, not its bytes";
}

std::string key_blob(const std::string& event_key)
{
    return std::string(bytes_of(prepare_event(routed(event_key)).key));
}

// Version 4 moved the idempotency and address indexes to tables of their own: events written by
// version 3 must still be found by address and known as duplicates, and the old column and
// indexes are gone.
TEST_F(SqliteStore, UpgradesAVersion3EventLogKeepingItsIndexes)
{
    {
        sqlite::connection db(file(), sqlite::access::read_write);
        sqlite::migrate(db, sqlite::all_migrations().first(3));
        for (const auto& [key, email] :
             {std::pair{"k1", "a@x.org"}, std::pair{"k2", "b@x.org"}, std::pair{"k3", "a@x.org"}}) {
            db.prepare("INSERT INTO events (provider, driver, kind, permanent, email, "
                       "occurred_at, received_at, meta, message_id, campaign_id, profile, "
                       "description, provider_event_id, event_key, detail_json, system_events, "
                       "email_hash, key_hash) VALUES ('postal', 'postal@1.0.0', 'delivered', 0, "
                       "?, 1, 2, '', '', '', '', '', '', ?, '', '[]', ?, ?)")
                .bind(email)
                .bind(key)
                .bind(email_hash(email))
                .bind_blob(key_blob(key))
                .run();
        }
    }
    auto s = open();

    EXPECT_THAT(keys_for(*s, "a@x.org"), ElementsAre("k1", "k3"));
    EXPECT_THAT(keys_for(*s, "b@x.org"), ElementsAre("k2"));
    EXPECT_EQ(apply_and_wait(*s, {routed("k2"), routed("k4")}).result.duplicates, 1u);
    auto db = raw();
    EXPECT_EQ(single_integer(db, "SELECT count(*) FROM pragma_table_info('events') "
                                 "WHERE name = 'email_hash'"),
              0);
    EXPECT_EQ(single_integer(db,
                             "SELECT count(*) FROM pragma_index_list('events') "
                             "WHERE name IN ('events_email_hash', 'sqlite_autoindex_events_1')"),
              0);
    EXPECT_EQ(single_integer(db, "SELECT count(*) FROM event_keys"), 3);
}

// Version 11 brought streams: entries from before cover every stream.
TEST_F(SqliteStore, UpgradesAVersion10DatabaseToEntriesForEveryStream)
{
    {
        sqlite::connection db(file(), sqlite::access::read_write);
        sqlite::migrate(db, sqlite::all_migrations().first(10));
        db.execute_script(test::pre_stream_suppressions_sql);
    }
    auto s = open();

    test::expect_every_stream_entries(*s);
}

// Version 12 gave events their stream: those stored before have none.
TEST_F(SqliteStore, UpgradesAVersion11EventLogToEventsWithoutAStream)
{
    {
        sqlite::connection db(file(), sqlite::access::read_write);
        sqlite::migrate(db, sqlite::all_migrations().first(11));
        for (const auto& key : test::pre_stream_event_keys) {
            db.prepare("INSERT INTO events (provider, driver, kind, permanent, email, "
                       "occurred_at, received_at, meta, message_id, campaign_id, profile, "
                       "description, provider_event_id, event_key, detail_json, system_events, "
                       "key_hash, reason) VALUES ('postal', 'postal@1.0.0', 'delivered', 0, "
                       "'a@x.org', 1, 2, '', ?, 'camp', '', '', '', ?, '', '[]', ?, 'delivered')")
                .bind("msg-" + key)
                .bind(key)
                .bind_blob(key_blob(key))
                .run();
        }
    }
    auto s = open();

    test::expect_events_without_stream(*s);
}

// Version 6 brought every stored address to the canonical form: suppressions and events written
// in other forms of one address become one key (the earliest suppression stays), found by any
// form; an address the parser refuses stays as it was.
TEST_F(SqliteStore, UpgradesAVersion5DatabaseToCanonicalAddresses)
{
    {
        sqlite::connection db(file(), sqlite::access::read_write);
        sqlite::migrate(db, sqlite::all_migrations().first(5));
        for (const auto& [key, email] : test::old_form_events) {
            db.prepare("INSERT INTO events (provider, driver, kind, permanent, email, "
                       "occurred_at, received_at, meta, message_id, campaign_id, profile, "
                       "description, provider_event_id, event_key, detail_json, system_events, "
                       "key_hash) VALUES ('postal', 'postal@1.0.0', 'hard_bounce', 1, ?, 1, 2, "
                       "'', '', '', '', '', '', ?, '', '[]', ?)")
                .bind(email)
                .bind(key)
                .bind_blob(key_blob(key))
                .run();
            db.prepare("INSERT INTO event_emails (email_hash, event_id) VALUES (?, ?)")
                .bind(email_hash(email))
                .bind(db.last_insert_rowid())
                .run();
        }
        db.execute_script("UPDATE index_marks SET up_to = 4 WHERE name = 'event_indexes'");
        db.execute_script(test::old_form_suppressions_sql);
    }
    auto s = open();

    test::expect_canonical_addresses(*s);
    auto db = raw();
    EXPECT_EQ(single_integer(db, "SELECT count(*) FROM event_emails"), 4);
}

TEST_F(SqliteStore, GivesANewFileSixteenKibPages)
{
    auto s = open();
    auto db = raw();

    EXPECT_EQ(single_integer(db, "PRAGMA page_size"), 16384);
}

TEST_F(SqliteStore, KeepsThePageSizeOfAnExistingFile)
{
    {
        sqlite::connection db(file(), sqlite::access::read_write);
        sqlite::migrate(db, sqlite::all_migrations().first(3));
    }
    auto s = open();
    auto db = raw();

    EXPECT_EQ(single_integer(db, "PRAGMA page_size"), 4096);
}

// The writer stores address entries after a group's jobs (here after every group): a batch
// that is undone, or an event that is a duplicate, must leave none behind.
TEST_F(SqliteStore, KeepsAnAddressEntryForEachStoredEventOnly)
{
    sqlite_options options;
    options.index_batch = 1;
    auto s = open(options);
    std::vector<test::outcome> outcomes(3);
    {
        test::writer_gate gate(*s);
        for (int i = 0; i < 3; ++i) {
            std::vector<events::routed_event> batch;
            if (i == 1) {
                batch = {routed("gone", event_kind::delivered, "gone@x.org"), routed("")};
            } else {
                batch = {routed("kept", event_kind::delivered, "kept@x.org")};
            }
            s->apply(std::move(batch), [&outcomes, i](std::error_code error, commit_result r) {
                outcomes[i] = {error, r};
            });
        }
    }
    s->flush();

    EXPECT_FALSE(outcomes[0].error);
    EXPECT_TRUE(outcomes[1].error);
    EXPECT_EQ(outcomes[2].result.duplicates, 1u);
    EXPECT_THAT(keys_for(*s, "kept@x.org"), ElementsAre("kept"));
    EXPECT_THAT(keys_for(*s, "gone@x.org"), IsEmpty());
    auto db = raw();
    EXPECT_EQ(single_integer(db, "SELECT count(*) FROM event_emails"), 1);
    EXPECT_EQ(single_integer(db, "SELECT count(*) FROM event_keys"), 1);
}

// A key is known as soon as its event is stored, whether the key is in event_keys yet or only
// in the writer's memory, and across a restart.
TEST_F(SqliteStore, KnowsAKeyBeforeAndAfterItIsIndexed)
{
    sqlite_options options;
    options.index_batch = 2;
    {
        auto s = open(options);
        EXPECT_EQ(apply_and_wait(*s, {routed("k1"), routed("k1")}).result.duplicates, 1u);
        EXPECT_EQ(apply_and_wait(*s, {routed("k1")}).result.duplicates, 1u) << "not indexed yet";
        apply_and_wait(*s, {routed("k2")});
        auto db = raw();
        EXPECT_EQ(single_integer(db, "SELECT count(*) FROM event_keys"), 2);
        EXPECT_EQ(apply_and_wait(*s, {routed("k1"), routed("k2"), routed("k3")}).result.duplicates,
                  2u)
            << "indexed";
    }

    auto s = open(options);

    EXPECT_EQ(apply_and_wait(*s, {routed("k3")}).result.duplicates, 1u) << "after a restart";
    EXPECT_THAT(keys_of(all_events(*s)), ElementsAre("k1", "k2", "k3"));
}

// Another process storing events in the same file (mailgate replay --apply) makes the keys the
// writer holds in memory incomplete: it reads them again.
TEST_F(SqliteStore, KnowsTheKeysAnotherWriterStored)
{
    auto first = open();
    auto second = open();

    apply_and_wait(*first, {routed("k1")});
    apply_and_wait(*second, {routed("k2")});

    EXPECT_EQ(apply_and_wait(*second, {routed("k1")}).result.duplicates, 1u);
    EXPECT_EQ(apply_and_wait(*first, {routed("k2")}).result.duplicates, 1u);
    EXPECT_THAT(keys_of(all_events(*first)), ElementsAre("k1", "k2"));
}

// Address entries are written once a batch of events is stored: until then reads find the
// events by scanning those after the index's mark, and events an earlier run left unindexed are
// indexed with the next batch.
TEST_F(SqliteStore, IndexesAddressesOnceABatchOfEventsIsStored)
{
    sqlite_options options;
    options.index_batch = 3;
    {
        auto s = open(options);
        apply_and_wait(*s, {routed("k1", event_kind::delivered, "a@x.org"),
                            routed("k2", event_kind::delivered, "b@x.org")});
        EXPECT_THAT(keys_for(*s, "a@x.org"), ElementsAre("k1")) << "found before indexed";
    }
    auto db = raw();
    auto s = open(options);
    apply_and_wait(*s, {routed("k3", event_kind::delivered, "a@x.org")});
    EXPECT_EQ(single_integer(db, "SELECT count(*) FROM event_emails"), 0);
    EXPECT_THAT(keys_for(*s, "a@x.org"), ElementsAre("k1", "k3"));

    apply_and_wait(*s, {routed("k4", event_kind::delivered, "c@x.org"),
                        routed("k5", event_kind::delivered, "a@x.org")});

    EXPECT_EQ(single_integer(db, "SELECT count(*) FROM event_emails"), 5);
    EXPECT_EQ(single_integer(db, "SELECT up_to FROM index_marks WHERE name = 'event_indexes'"), 5);
    EXPECT_THAT(keys_for(*s, "a@x.org"), ElementsAre("k1", "k3", "k5"));
    EXPECT_THAT(keys_for(*s, "b@x.org"), ElementsAre("k2"));
}

// Another process may write to the same file (mailgate replay --apply): whichever writes the
// index covers the other's events too, read from the file, not from its own memory.
TEST_F(SqliteStore, IndexesTheAddressesOfAnotherWritersEvents)
{
    sqlite_options rarely;
    rarely.index_batch = 100;
    sqlite_options always;
    always.index_batch = 1;
    auto first = open(rarely);
    auto second = open(always);

    apply_and_wait(*first, {routed("k1", event_kind::delivered, "a@x.org")});
    apply_and_wait(*second, {routed("k2", event_kind::delivered, "b@x.org")});

    auto db = raw();
    EXPECT_EQ(single_integer(db, "SELECT count(*) FROM event_emails"), 2);
    EXPECT_THAT(keys_for(*first, "a@x.org"), ElementsAre("k1"));
    EXPECT_THAT(keys_for(*second, "a@x.org"), ElementsAre("k1"));
    EXPECT_THAT(keys_for(*first, "b@x.org"), ElementsAre("k2"));
}

TEST_F(SqliteStore, RefusesADatabaseNewerThanItself)
{
    open().reset();
    raw(sqlite::access::read_write)
        .prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (99, 0)")
        .run();

    try {
        open();
        FAIL() << "opened a schema it does not know";
    } catch (const std::runtime_error& e) {
        EXPECT_THAT(e.what(), HasSubstr(file().string()));
        EXPECT_THAT(e.what(), HasSubstr("version 99"));
    }
}

TEST_F(SqliteStore, KeepsEverythingAcrossCloseAndReopen)
{
    std::vector<stored_event> events_before;
    {
        auto s = open();
        apply_and_wait(
            *s,
            {in_campaign(
                 suppressing(routed("k1", event_kind::hard_bounce, "a@x.org"), "hard_bounce"), "c"),
             in_campaign(routed("k2"), "c")});
        s->put_suppression(test::entry("m@x.org", "manual", "", test::base_time));
        events_before = all_events(*s);
    }

    auto s = open();

    auto events_after = all_events(*s);
    ASSERT_EQ(events_after.size(), events_before.size());
    for (std::size_t i = 0; i < events_after.size(); ++i) {
        EXPECT_EQ(events_after[i].id, events_before[i].id);
        EXPECT_EQ(events_after[i].ev.event_key, events_before[i].ev.event_key);
    }
    EXPECT_THAT(test::emails_of(s->list_suppressions({})), ElementsAre("a@x.org", "m@x.org"));
    EXPECT_EQ(s->report("c").by_kind,
              (std::map<std::string, int64_t>{{"delivered", 1}, {"hard_bounce", 1}}));
    EXPECT_EQ(apply_and_wait(*s, {routed("k1")}).result.duplicates, 1u)
        << "keys stay known across reopen";
}

TEST_F(SqliteStore, CommitsWhatIsQueuedBeforeClosing)
{
    constexpr int batches = 50;
    std::atomic<int> done{0};
    {
        auto s = open();
        for (int i = 0; i < batches; ++i) {
            s->apply({routed("k" + std::to_string(i))},
                     [&](std::error_code error, commit_result) { done += error ? 0 : 1; });
        }
    }

    EXPECT_EQ(done.load(), batches);
    EXPECT_EQ(all_events(*open()).size(), std::size_t{batches});
}

TEST_F(SqliteStore, GivesAFailedBatchTheSqliteError)
{
    auto s = open();

    auto failed = apply_and_wait(*s, {routed("k1"), routed("")});

    EXPECT_EQ(failed.error, sqlite::make_sqlite_error_code(SQLITE_CONSTRAINT_CHECK));
    EXPECT_STREQ(failed.error.category().name(), "sqlite");
    EXPECT_THAT(failed.error.message(), HasSubstr("constraint failed"));
    EXPECT_THAT(all_events(*s), IsEmpty());
}

TEST_F(SqliteStore, CapsAGroupAtMaxBatchEvents)
{
    metrics::histogram commit_latency({1.0});
    sqlite_options options;
    options.commit_latency = &commit_latency;
    options.max_batch_events = 6;
    auto s = open(options);
    {
        test::writer_gate gate(*s);
        for (int i = 0; i < 10; ++i) {
            auto n = std::to_string(i);
            s->apply({routed(n + "a"), routed(n + "b"), routed(n + "c")},
                     [](std::error_code, commit_result) {});
        }
    }
    s->flush();

    // The gate's own transaction, then ten batches of three events, two per transaction.
    EXPECT_EQ(commit_latency.cumulative_counts().back(), 1u + 5u);
    EXPECT_EQ(all_events(*s).size(), 30u);
}

TEST_F(SqliteStore, TakesABatchBiggerThanTheBudgetAlone)
{
    sqlite_options options;
    options.max_batch_events = 2;
    auto s = open(options);

    auto applied = apply_and_wait(*s, {routed("k1"), routed("k2"), routed("k3")});

    EXPECT_FALSE(applied.error);
    EXPECT_EQ(applied.result.stored, 3u);
}

TEST_F(SqliteStore, ReadsDoNotWaitForAnotherWriter)
{
    auto s = open();
    apply_and_wait(*s, {routed("k1")});
    auto other = raw(sqlite::access::read_write);
    other.prepare("BEGIN IMMEDIATE").run();
    other
        .prepare("INSERT INTO suppressions (email, stream, reason, provider, created_at, "
                 "expires_at, source, note) VALUES ('x@x.org', '*', 'manual', '', 0, 0, '', '')")
        .run();

    auto started = std::chrono::steady_clock::now();
    EXPECT_THAT(keys_of(s->list_events({})), ElementsAre("k1"));
    EXPECT_FALSE(test::found(*s, "x@x.org")) << "not committed yet";
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(1));

    other.prepare("ROLLBACK").run();
}

class SqliteMigrations : public ::testing::Test {
protected:
    test::temp_folder folder_;
    sqlite::connection db_{folder_.path() / "m.db", sqlite::access::read_write};

    std::vector<std::string> steps()
    {
        auto q = db_.prepare("SELECT step FROM t ORDER BY rowid");
        std::vector<std::string> out;
        while (q.step()) {
            out.push_back(q.text(0));
        }
        return out;
    }
};

TEST_F(SqliteMigrations, AppliesPendingVersionsInOrderOnce)
{
    const std::vector<sqlite::migration> first{{1, "CREATE TABLE t (step TEXT NOT NULL)"}};
    const std::vector<sqlite::migration> later{first[0],
                                               {2, "INSERT INTO t (step) VALUES ('two')"},
                                               {3, "INSERT INTO t (step) VALUES ('three')"}};

    EXPECT_EQ(sqlite::migrate(db_, first), 1);
    EXPECT_EQ(sqlite::migrate(db_, later), 3);
    EXPECT_EQ(sqlite::migrate(db_, later), 3);

    EXPECT_THAT(steps(), ElementsAre("two", "three"));
    auto rows = migration_rows(db_);
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[2].first, 3);
}

TEST_F(SqliteMigrations, AppliesNoneWhenOneFails)
{
    const std::vector<sqlite::migration> broken{{1, "CREATE TABLE t (step TEXT NOT NULL)"},
                                                {2, "THIS IS NOT SQL"}};

    EXPECT_THROW(sqlite::migrate(db_, broken), sqlite::sqlite_error);

    auto q = db_.prepare("SELECT COUNT(*) FROM sqlite_master WHERE name IN "
                         "('t', 'schema_migrations')");
    ASSERT_TRUE(q.step());
    EXPECT_EQ(q.integer(0), 0);
}

} // namespace
} // namespace mailgate::core::storage
