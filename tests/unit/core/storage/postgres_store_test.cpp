// What only the PostgreSQL backend does: migrations under the advisory lock, several nodes on
// one database, lost connections, text PostgreSQL cannot hold, the url kept secret; and the
// pieces under it (SQLSTATE codes, array literals).

#include "core/storage/postgres/array_literal.hpp"
#include "core/storage/postgres/connection.hpp"
#include "core/storage/postgres/error.hpp"
#include "core/storage/postgres/migrations.hpp"
#include "core/storage/postgres/storable_text.hpp"
#include "core/storage/postgres_store.hpp"
#include "core/storage/prepared_event.hpp"
#include "test_support.hpp"
#include "tests/support/captured_log.hpp"
#include "tests/support/postgres_test_database.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

namespace mailgate::core::storage {
namespace {

using events::event_kind;
using test::all_events;
using test::apply_and_wait;
using test::base_time;
using test::in_campaign;
using test::keys_of;
using test::routed;
using test::suppressing;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

TEST(PostgresError, CarriesTheSqlstate)
{
    auto code = postgres::make_postgres_error_code("23514");
    EXPECT_STREQ(code.category().name(), "postgres");
    EXPECT_EQ(code.message(), "SQLSTATE 23514");
    EXPECT_TRUE(code);
    EXPECT_EQ(postgres::make_postgres_error_code("40P01").message(), "SQLSTATE 40P01");
    EXPECT_EQ(postgres::make_postgres_error_code("00000").message(), "SQLSTATE 00000");
    EXPECT_TRUE(postgres::make_postgres_error_code("00000")) << "an error, never success";
}

TEST(PostgresError, SortsFailuresIntoTransientAndLostConnections)
{
    using postgres::make_postgres_error_code;
    EXPECT_TRUE(postgres::is_transient(make_postgres_error_code("40P01")));
    EXPECT_TRUE(postgres::is_transient(make_postgres_error_code("40001")));
    EXPECT_FALSE(postgres::is_transient(make_postgres_error_code("23505")));
    EXPECT_TRUE(postgres::is_connection_lost(make_postgres_error_code("08006")));
    EXPECT_TRUE(postgres::is_connection_lost(make_postgres_error_code("08001")));
    EXPECT_TRUE(postgres::is_connection_lost(make_postgres_error_code("57P01")));
    EXPECT_FALSE(postgres::is_connection_lost(make_postgres_error_code("23514")));
    EXPECT_FALSE(postgres::is_connection_lost(std::make_error_code(std::errc::io_error)));
}

TEST(PostgresError, TakesAnythingButASqlstateForALostConnection)
{
    for (const char* bad : {"", "2351", "235144", "2351a", "23 14", "\xff\xff\xff\xff\xff"}) {
        EXPECT_EQ(postgres::make_postgres_error_code(bad).message(), "SQLSTATE 08006") << bad;
    }
}

TEST(PostgresArrayLiteral, QuotesEveryElement)
{
    postgres::array_literal a;
    EXPECT_EQ(a.str(), "{}");
    a.add("plain").add("").add("NULL").add("a,b").add("{x}").add("say \"hi\"").add("back\\slash");
    EXPECT_EQ(a.str(), R"({"plain","","NULL","a,b","{x}","say \"hi\"","back\\slash"})");
    postgres::array_literal n;
    n.add(int64_t{-5}).add(int64_t{0}).add_boolean(true).add_boolean(false);
    EXPECT_EQ(n.str(), "{-5,0,t,f}");
}

TEST(PostgresStorableText, ReplacesNulAndInvalidUtf8)
{
    using postgres::storable_text;
    const std::string r = "\xEF\xBF\xBD";
    EXPECT_EQ(storable_text("plain ascii"), "plain ascii");
    EXPECT_EQ(storable_text("Grüße, 日本"), "Grüße, 日本");
    EXPECT_EQ(storable_text(std::string("a\0b", 3)), "a" + r + "b");
    EXPECT_EQ(storable_text("cut \xe2\x82\"quote"), "cut " + r + "\"quote")
        << "a truncated sequence does not swallow what follows";
    EXPECT_EQ(storable_text("over\xc0\xaflong"), "over" + r + "long");
    EXPECT_EQ(storable_text("surrogate \xed\xa0\x80!"), "surrogate " + r + "!");
    EXPECT_EQ(storable_text("\x80lone"), r + "lone");
    EXPECT_EQ(storable_text("end \xf0\x9f\x98"), "end " + r);
    EXPECT_EQ(storable_text(""), "");
}

class PostgresStore : public ::testing::Test {
protected:
    void SetUp() override
    {
        if (!mailgate::test::postgres_test_url()) {
            GTEST_SKIP() << "MAILGATE_TEST_POSTGRES_URL is not set";
        }
        schema_.emplace();
    }

    std::string url() const { return schema_->url(); }

    std::unique_ptr<store> open(metrics::histogram* commit_latency = nullptr)
    {
        postgres_options options;
        options.url = url();
        options.pool_size = 2;
        options.commit_latency = commit_latency;
        return open_postgres_store(options);
    }

    std::vector<int64_t> migration_versions()
    {
        postgres::connection db(url());
        auto r = db.query("SELECT version FROM schema_migrations ORDER BY version");
        std::vector<int64_t> out;
        for (int row = 0; row < r.rows(); ++row) {
            out.push_back(r.integer(row, 0));
        }
        return out;
    }

    std::optional<mailgate::test::scratch_schema> schema_;
};

std::vector<int64_t> all_versions()
{
    std::vector<int64_t> out;
    for (const auto& m : postgres::all_migrations()) {
        out.push_back(m.version);
    }
    return out;
}

TEST_F(PostgresStore, AppliesEachMigrationOnceAcrossReopen)
{
    open().reset();
    ASSERT_EQ(migration_versions(), all_versions());

    open().reset();

    EXPECT_EQ(migration_versions(), all_versions()) << "reopening applies nothing again";
}

TEST_F(PostgresStore, NodesStartingTogetherMigrateOnce)
{
    constexpr int nodes = 4;
    std::atomic<int> opened{0};
    std::vector<std::thread> starting;
    for (int i = 0; i < nodes; ++i) {
        starting.emplace_back([&] {
            try {
                open();
                ++opened;
            } catch (const std::exception& e) {
                ADD_FAILURE() << e.what();
            }
        });
    }
    for (auto& t : starting) {
        t.join();
    }

    EXPECT_EQ(opened.load(), nodes);
    EXPECT_EQ(migration_versions(), all_versions());
}

TEST_F(PostgresStore, RefusesADatabaseNewerThanItself)
{
    open().reset();
    mailgate::test::run_sql(url(), "INSERT INTO schema_migrations VALUES (99, 0)");

    try {
        open();
        FAIL() << "opened a schema it does not know";
    } catch (const std::runtime_error& e) {
        EXPECT_THAT(e.what(), HasSubstr("cannot open the PostgreSQL store"));
        EXPECT_THAT(e.what(), HasSubstr("version 99"));
    }
}

TEST_F(PostgresStore, MigratesPendingVersionsInOrderAndNoneWhenOneFails)
{
    postgres::connection db(url());
    const std::vector<postgres::migration> first{{1, "CREATE TABLE t (step text NOT NULL)"}};
    const std::vector<postgres::migration> later{first[0],
                                                 {2, "INSERT INTO t (step) VALUES ('two')"},
                                                 {3, "INSERT INTO t (step) VALUES ('three')"}};
    const std::vector<postgres::migration> broken{
        first[0], later[1], later[2], {4, "THIS IS NOT SQL"}};

    EXPECT_EQ(postgres::migrate(db, first), 1);
    EXPECT_EQ(postgres::migrate(db, later), 3);
    EXPECT_EQ(postgres::migrate(db, later), 3);
    EXPECT_THROW(postgres::migrate(db, broken), postgres::postgres_error);

    auto steps = db.query("SELECT step FROM t ORDER BY step");
    ASSERT_EQ(steps.rows(), 2);
    EXPECT_EQ(steps.text(0, 0), "three");
    EXPECT_EQ(steps.text(1, 0), "two");
    EXPECT_EQ(db.query("SELECT max(version) FROM schema_migrations").integer(0, 0), 3);
}

// Version 3 brought every stored address to the canonical form, as SQLite's version 6 did.
TEST_F(PostgresStore, UpgradesAVersion2DatabaseToCanonicalAddresses)
{
    {
        postgres::connection db(url());
        postgres::migrate(db, postgres::all_migrations().first(2));
        for (const auto& [key, email] : test::old_form_events) {
            db.query("INSERT INTO events (provider, driver, kind, permanent, email, occurred_at, "
                     "received_at, meta, message_id, campaign_id, profile, description, "
                     "provider_event_id, event_key, detail_json, system_events, email_hash, "
                     "key_hash) VALUES ('postal', 'postal@1.0.0', 'hard_bounce', true, $1, 1, 2, "
                     "'', '', '', '', '', '', $2, '', '[]', $3, $4)",
                     postgres::params()
                         .text(email)
                         .text(key)
                         .integer(email_hash(email))
                         .bytes(bytes_of(prepare_event(routed(key)).key)));
        }
        db.execute(test::old_form_suppressions_sql);
    }
    auto s = open();

    test::expect_canonical_addresses(*s);
}

// Version 8 brought streams: entries from before cover every stream.
TEST_F(PostgresStore, UpgradesAVersion7DatabaseToEntriesForEveryStream)
{
    {
        postgres::connection db(url());
        postgres::migrate(db, postgres::all_migrations().first(7));
        db.execute(test::pre_stream_suppressions_sql);
    }
    auto s = open();

    test::expect_every_stream_entries(*s);
}

// Version 9 gave events their stream, as SQLite's version 12 did.
TEST_F(PostgresStore, UpgradesAVersion8EventLogToEventsWithoutAStream)
{
    {
        postgres::connection db(url());
        postgres::migrate(db, postgres::all_migrations().first(8));
        for (const auto& key : test::pre_stream_event_keys) {
            db.query("INSERT INTO events (provider, driver, kind, permanent, email, occurred_at, "
                     "received_at, meta, message_id, campaign_id, profile, description, "
                     "provider_event_id, event_key, detail_json, system_events, email_hash, "
                     "key_hash, reason) VALUES ('postal', 'postal@1.0.0', 'delivered', false, "
                     "'a@x.org', 1, 2, '', $1, 'camp', '', '', '', $2, '', '[]', $3, $4, "
                     "'delivered')",
                     postgres::params()
                         .text("msg-" + key)
                         .text(key)
                         .integer(email_hash("a@x.org"))
                         .bytes(bytes_of(prepare_event(routed(key)).key)));
        }
    }
    auto s = open();

    test::expect_events_without_stream(*s);
}

// Two nodes count hits of one address at once: the counter's row lock serialises them, so no hit
// is lost and the suppression is made once the threshold is reached.
TEST_F(PostgresStore, CountsEveryHitOfConcurrentNodes)
{
    auto node_a = open();
    auto node_b = open();
    constexpr int threads_per_node = 3;
    constexpr int events_per_thread = 10;
    auto hit = [](int thread, int i) {
        auto r = test::counting(routed("t" + std::to_string(thread) + "-" + std::to_string(i),
                                       event_kind::soft_bounce, "a@x.org"),
                                "soft_bounces", "soft_bounce", 20, 3'600'000);
        r.ev.occurred_at_ms = base_time + thread * 100 + i;
        return r;
    };

    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int t = 0; t < 2 * threads_per_node; ++t) {
        threads.emplace_back([&, t] {
            auto& node = t % 2 == 0 ? *node_a : *node_b;
            for (int i = 0; i < events_per_thread; ++i) {
                if (apply_and_wait(node, {hit(t, i)}).error) {
                    ++failures;
                }
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }

    EXPECT_EQ(failures.load(), 0);
    const auto counters = node_a->rule_counters("a@x.org");
    ASSERT_THAT(counters, SizeIs(1));
    EXPECT_THAT(counters[0].hits, SizeIs(2 * threads_per_node * events_per_thread));
    EXPECT_TRUE(std::is_sorted(counters[0].hits.begin(), counters[0].hits.end()));
    EXPECT_EQ(test::found(*node_b, "a@x.org").value().reason, "soft_bounce");
    EXPECT_THAT(node_b->suppression_history("a@x.org", 100), SizeIs(1))
        << "suppressed once, at the threshold";
}

TEST_F(PostgresStore, GivesAFailedBatchThePostgresError)
{
    auto s = open();

    auto failed = apply_and_wait(*s, {routed("k1"), routed("")});

    EXPECT_EQ(failed.error,
              postgres::make_postgres_error_code(postgres::sqlstate::check_violation));
    EXPECT_STREQ(failed.error.category().name(), "postgres");
    EXPECT_THAT(all_events(*s), IsEmpty());
}

TEST_F(PostgresStore, KeepsEverythingAcrossCloseAndReopen)
{
    {
        auto s = open();
        apply_and_wait(*s,
                       {in_campaign(suppressing(routed("k1", event_kind::hard_bounce, "a@x.org"),
                                                "hard_bounce"),
                                    "c")});
    }

    auto s = open();

    EXPECT_THAT(keys_of(all_events(*s)), ElementsAre("k1"));
    EXPECT_EQ(test::found(*s, "a@x.org").value().reason, "hard_bounce");
    EXPECT_EQ(s->report("c").by_kind.at("hard_bounce"), 1);
    EXPECT_EQ(apply_and_wait(*s, {routed("k1")}).result.duplicates, 1u);
}

// Text columns cannot hold NUL or invalid UTF-8: the hostile bytes become U+FFFD instead of
// failing the batch on every retry, and the key (hashed from the raw bytes) stays exact.
TEST_F(PostgresStore, StoresTextPostgresCannotHoldAsReplacementCharacters)
{
    auto s = open();
    auto nul = routed(std::string("k\0a", 3));
    nul.ev.description = std::string("before\0after", 12);
    auto bad = routed("k\xff"
                      "a");
    bad.ev.description = "truncated \xe2\x82";
    bad.ev.detail_json = "{\"x\":\"\xc0\xaf\"}";

    auto applied = apply_and_wait(*s, {nul, bad});

    ASSERT_FALSE(applied.error) << applied.error.message();
    EXPECT_EQ(applied.result.stored, 2u) << "the keys differ in the raw bytes";
    auto stored = all_events(*s);
    ASSERT_THAT(stored, SizeIs(2));
    EXPECT_EQ(stored[0].ev.description, "before\xEF\xBF\xBD"
                                        "after");
    EXPECT_EQ(stored[1].ev.description, "truncated \xEF\xBF\xBD");
    EXPECT_EQ(stored[1].ev.detail_json, "{\"x\":\"\xEF\xBF\xBD\"}");
    EXPECT_EQ(apply_and_wait(*s, {nul, bad}).result.duplicates, 2u);
}

TEST_F(PostgresStore, KeepsValuesThatLookLikeArraySyntax)
{
    auto s = open();
    std::vector<std::string> texts{"NULL",        "",         "{a,b}",    "say \"hi\"",
                                   "back\\slash", " spaced ", "'quoted'", "Grüße"};
    std::vector<events::routed_event> batch;
    for (std::size_t i = 0; i < texts.size(); ++i) {
        auto r = routed("k" + std::to_string(i));
        r.ev.description = texts[i];
        r.ev.meta = texts[i];
        batch.push_back(r);
    }

    ASSERT_FALSE(apply_and_wait(*s, batch).error);

    auto stored = all_events(*s);
    ASSERT_EQ(stored.size(), texts.size());
    for (std::size_t i = 0; i < texts.size(); ++i) {
        EXPECT_EQ(stored[i].ev.description, texts[i]);
        EXPECT_EQ(stored[i].ev.meta, texts[i]);
    }
}

// Two nodes, each with its own writer, on one database: overlapping batches (retries reaching
// both nodes, in opposite orders) are stored once, reported stored once, counted once.
TEST_F(PostgresStore, TwoNodesStoreAndCountEachEventOnce)
{
    auto a = open();
    auto b = open();
    constexpr int calls = 300;
    auto batch_of = [](int call, bool reversed) {
        std::vector<events::routed_event> batch;
        for (int i = 0; i < 5; ++i) {
            const int key = (call * 7 + i * 13) % 400;
            auto r = in_campaign(routed("k" + std::to_string(key), event_kind::hard_bounce,
                                        "r" + std::to_string(key % 50) + "@x.org"),
                                 key % 2 == 0 ? "even" : "odd");
            batch.push_back(
                suppressing(test::with_system_event(r, "Notification Failed"), "hard_bounce"));
        }
        if (reversed) {
            std::reverse(batch.begin(), batch.end());
        }
        return batch;
    };
    std::set<std::string> unique_keys;
    for (int call = 0; call < calls; ++call) {
        for (const auto& r : batch_of(call, false)) {
            unique_keys.insert(r.ev.event_key);
        }
    }
    std::atomic<std::size_t> stored{0};
    std::atomic<int> errors{0};
    auto submit = [&](store& node, bool reversed) {
        for (int call = 0; call < calls; ++call) {
            node.apply(batch_of(call, reversed), [&](std::error_code error, commit_result r) {
                errors += error ? 1 : 0;
                stored += r.stored;
            });
        }
    };
    std::thread to_a([&] { submit(*a, false); });
    std::thread to_b([&] { submit(*b, true); });
    to_a.join();
    to_b.join();
    a->flush();
    b->flush();

    EXPECT_EQ(errors.load(), 0);
    EXPECT_EQ(stored.load(), unique_keys.size());
    EXPECT_EQ(all_events(*a).size(), unique_keys.size());
    int64_t even = 0;
    for (const auto& key : unique_keys) {
        even += std::stoi(key.substr(1)) % 2 == 0 ? 1 : 0;
    }
    const auto report = b->report("even");
    EXPECT_EQ(report.by_kind.at("hard_bounce"), even);
    EXPECT_EQ(report.by_system_event.at("Notification Failed"), even);
    suppression_filter everyone;
    everyone.limit = 1000;
    EXPECT_THAT(a->list_suppressions(everyone), SizeIs(50));
    EXPECT_EQ(test::emails_of(a->list_suppressions(everyone)),
              test::emails_of(b->list_suppressions(everyone)));
}

queued_message message(std::string id)
{
    queued_message m;
    m.id = std::move(id);
    m.provider = "relay";
    m.mail_from = "news@example.org";
    m.recipient = "rcpt@example.com";
    m.head = "Subject: hi\r\n\r\nbody\r\n";
    m.created_at = base_time;
    return m;
}

std::vector<queued_message> claim(store& s, const std::string& owner, std::size_t max, int64_t now,
                                  int64_t lease_until)
{
    std::promise<std::vector<queued_message>> done;
    auto result = done.get_future();
    s.claim(owner, max, now, lease_until,
            [&done](std::error_code ec, std::vector<queued_message> claimed) {
                EXPECT_FALSE(ec) << ec.message();
                done.set_value(std::move(claimed));
            });
    return result.get();
}

void enqueue(store& s, std::vector<queued_message> messages)
{
    std::promise<std::error_code> done;
    auto result = done.get_future();
    s.enqueue(std::move(messages), [&done](std::error_code ec) { done.set_value(ec); });
    ASSERT_FALSE(result.get());
}

TEST_F(PostgresStore, TwoNodesNeverClaimTheSameMessage)
{
    auto a = open();
    auto b = open();
    std::vector<queued_message> batch;
    for (int i = 0; i < 300; ++i) {
        batch.push_back(message("m" + std::to_string(i)));
    }
    enqueue(*a, std::move(batch));

    std::vector<std::vector<std::string>> taken(4);
    std::vector<std::thread> workers;
    for (std::size_t w = 0; w < taken.size(); ++w) {
        workers.emplace_back([&, w] {
            store& node = w % 2 == 0 ? *a : *b;
            const std::string owner = w % 2 == 0 ? "node-a" : "node-b";
            for (auto got = claim(node, owner, 5, base_time, base_time + 60'000); !got.empty();
                 got = claim(node, owner, 5, base_time, base_time + 60'000)) {
                for (const auto& m : got) {
                    taken[w].push_back(m.id);
                }
            }
        });
    }
    for (auto& t : workers) {
        t.join();
    }

    std::multiset<std::string> ids;
    for (const auto& list : taken) {
        ids.insert(list.begin(), list.end());
    }
    EXPECT_EQ(ids.size(), 300u);
    EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 300u) << "none twice";
}

TEST_F(PostgresStore, AnotherNodeTakesOverWhenADeadNodesLeaseRunsOut)
{
    auto survivor = open();
    {
        auto dying = open();
        enqueue(*dying, {message("m1")});
        ASSERT_THAT(claim(*dying, "node-a", 1, base_time, base_time + 30'000), SizeIs(1));
    } // gone without releasing, as after kill -9

    EXPECT_THAT(claim(*survivor, "node-b", 1, base_time + 29'999, base_time + 60'000), IsEmpty());
    auto taken = claim(*survivor, "node-b", 1, base_time + 30'000, base_time + 60'000);
    ASSERT_THAT(taken, SizeIs(1));
    EXPECT_EQ(taken[0].attempts, 2);
    EXPECT_EQ(taken[0].text(), message("m1").text());
}

// The server drops every connection (a restart, a failover): reads go on at once, the writes
// in flight fail (and are retried by their senders), and the writer reconnects for the next.
TEST_F(PostgresStore, RecoversFromLostConnections)
{
    const std::string app = schema_->name();
    postgres_options options;
    options.url = mailgate::test::with_parameters(url(), {{"application_name", app}});
    options.pool_size = 1;
    auto s = open_postgres_store(options);
    ASSERT_FALSE(apply_and_wait(*s, {routed("before")}).error);
    ASSERT_THAT(keys_of(s->list_events({})), ElementsAre("before"));

    mailgate::test::run_sql(url(), "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
                                   "WHERE application_name = '" +
                                       app + "'");

    EXPECT_THAT(keys_of(s->list_events({})), ElementsAre("before")) << "a read retries once";
    auto first = apply_and_wait(*s, {routed("during")});
    if (first.error) {
        EXPECT_TRUE(postgres::is_connection_lost(first.error)) << first.error.message();
    }
    auto second = apply_and_wait(*s, {routed("after")});
    EXPECT_FALSE(second.error) << second.error.message();
    auto keys = keys_of(all_events(*s));
    EXPECT_EQ(keys.back(), "after");
    EXPECT_EQ(keys.size(), first.error ? 2u : 3u);
}

TEST_F(PostgresStore, NeverShowsThePassword)
{
    mailgate::test::captured_log log;
    for (const std::string& bad_url :
         {std::string("host=127.0.0.1 port=1 user=u password=hunter2 connect_timeout=2"),
          std::string("postgresql://u:hunter2@127.0.0.1:notaport/db"),
          std::string("host=127.0.0.1 password=hunter2 'unterminated")}) {
        postgres_options options;
        options.url = bad_url;
        try {
            open_postgres_store(options);
            ADD_FAILURE() << "opened " << bad_url;
        } catch (const std::runtime_error& e) {
            EXPECT_THAT(e.what(), HasSubstr("cannot open the PostgreSQL store"));
            EXPECT_THAT(e.what(), Not(HasSubstr("hunter2")));
        }
    }
    EXPECT_THAT(log.text(), Not(HasSubstr("hunter2")));
}

} // namespace
} // namespace mailgate::core::storage
