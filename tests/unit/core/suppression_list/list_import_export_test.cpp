// The import and export against real stores (SQLite always, PostgreSQL when the tests have a
// server): line numbers of refusals, chunks and resuming after a failing store, round trips.

#include "core/suppression_list/list_export.hpp"
#include "core/suppression_list/list_import.hpp"

#include "tests/unit/core/storage/backends.hpp"
#include "tests/unit/core/storage/test_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace mailgate::core::suppression_list {
namespace {

using storage::test::backend;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A store that fails its put_suppressions after `good_puts` of them, as a full disk would.
class failing_store : public storage::store {
public:
    failing_store(storage::store& inner, int good_puts) : inner_(inner), good_puts_(good_puts) {}

    void put_suppressions(const std::vector<storage::suppression>& entries) override
    {
        if (good_puts_-- <= 0) {
            throw std::system_error(std::make_error_code(std::errc::no_space_on_device),
                                    "the database is full");
        }
        inner_.put_suppressions(entries);
    }

    void apply(std::vector<events::routed_event> b, storage::commit_handler d) override
    {
        inner_.apply(std::move(b), std::move(d));
    }
    std::optional<storage::suppression> find_suppression(const std::string& e, std::string_view s,
                                                         int64_t n) override
    {
        return inner_.find_suppression(e, s, n);
    }
    std::vector<storage::suppression> address_suppressions(const std::string& e) override
    {
        return inner_.address_suppressions(e);
    }
    std::vector<storage::suppression_record> suppression_history(const std::string& e,
                                                                 std::size_t l) override
    {
        return inner_.suppression_history(e, l);
    }
    std::vector<storage::rule_counter> rule_counters(const std::string& e) override
    {
        return inner_.rule_counters(e);
    }
    std::vector<storage::suppression>
    list_suppressions(const storage::suppression_filter& f) override
    {
        return inner_.list_suppressions(f);
    }
    void put_suppression(const storage::suppression& s) override { inner_.put_suppression(s); }
    std::size_t remove_suppression(const std::string& e, std::string_view s, const std::string& src,
                                   const std::string& n) override
    {
        return inner_.remove_suppression(e, s, src, n);
    }
    std::optional<storage::mailbox_cursor> find_mailbox_cursor(const std::string& m) override
    {
        return inner_.find_mailbox_cursor(m);
    }
    void put_mailbox_cursor(const std::string& m, const storage::mailbox_cursor& c) override
    {
        inner_.put_mailbox_cursor(m, c);
    }
    std::vector<storage::stored_event> list_events(const storage::event_filter& f) override
    {
        return inner_.list_events(f);
    }
    storage::campaign_report report(const std::string& c) override { return inner_.report(c); }
    void enqueue(std::vector<storage::queued_message> m, storage::done_handler d) override
    {
        inner_.enqueue(std::move(m), std::move(d));
    }
    void claim(const std::string& o, std::size_t m, int64_t n, int64_t l,
               storage::claim_handler d) override
    {
        inner_.claim(o, m, n, l, std::move(d));
    }
    std::size_t release(const std::string& o) override { return inner_.release(o); }
    void record(std::vector<storage::delivery_outcome> o, storage::done_handler d) override
    {
        inner_.record(std::move(o), std::move(d));
    }
    std::optional<storage::queued_message> find_message(const std::string& id) override
    {
        return inner_.find_message(id);
    }
    int64_t queued_count() override { return inner_.queued_count(); }
    std::vector<storage::queue_row> queue_summary() override { return inner_.queue_summary(); }
    void flush() override { inner_.flush(); }
    std::size_t pending() const override { return inner_.pending(); }
    std::optional<std::string> write_failure() const override { return inner_.write_failure(); }

private:
    storage::store& inner_;
    int good_puts_;
};

class list_import_export : public ::testing::TestWithParam<backend> {
protected:
    void SetUp() override
    {
        if (!GetParam().unavailable.empty()) {
            GTEST_SKIP() << GetParam().unavailable;
        }
        store_ = GetParam().open(folder_.path(), nullptr);
    }

    std::unique_ptr<storage::store> open_other() { return GetParam().open(other_.path(), nullptr); }

    static import_options options(std::string who = "ops")
    {
        import_options o;
        o.streams = {"transactional", "marketing"};
        o.who = std::move(who);
        o.now = storage::test::base_time;
        return o;
    }

    static std::vector<std::string> rows_of(storage::store& s)
    {
        std::vector<std::string> out;
        storage::suppression_filter filter;
        filter.limit = storage::max_page_size;
        for (const auto& e : s.list_suppressions(filter)) {
            out.push_back(e.email + " " + e.stream + " " + e.reason + " " +
                          std::to_string(e.expires_at) + " " + e.note);
        }
        return out;
    }

    storage::test::temp_folder folder_;
    storage::test::temp_folder other_;
    std::unique_ptr<storage::store> store_;
};

const std::string mixed_csv = "email,stream,reason,expires_at,note\n"
                              "b@example.com,marketing,manual,,first\n"     // 2
                              "not an address,,,,\n"                        // 3
                              "a@example.com,,spam,2027-01-31T00:00:00Z,\n" // 4
                              "c@example.com,newsletter,,,\n"               // 5
                              "*@Example.ORG,transactional,,,domain\n";     // 6

TEST_P(list_import_export, an_import_keeps_the_good_rows_and_reports_the_bad_by_line)
{
    std::istringstream in(mixed_csv);
    const auto report = import_list(*store_, in, options());
    EXPECT_EQ(report.taken, 3u);
    EXPECT_EQ(report.refused, 2u);
    ASSERT_EQ(report.refusals.size(), 2u);
    EXPECT_EQ(report.refusals[0].line, 3u);
    EXPECT_EQ(report.refusals[1].line, 5u);
    EXPECT_THAT(report.refusals[1].why, HasSubstr("unknown stream"));
    EXPECT_EQ(report.last_line_committed, 6u);
    EXPECT_FALSE(report.failure);
    EXPECT_THAT(rows_of(*store_), ElementsAre("*@example.org transactional manual 0 domain",
                                              "a@example.com * spam 1801353600000 ",
                                              "b@example.com marketing manual 0 first"));
    const auto entries = store_->address_suppressions("b@example.com");
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].source, "import:ops") << "who made it is recorded";
    EXPECT_EQ(entries[0].created_at, storage::test::base_time);
}

TEST_P(list_import_export, a_failing_store_stops_the_import_which_resumes_from_its_line)
{
    std::string csv = "email\n";
    for (int i = 0; i < 7; ++i) {
        csv += "user" + std::to_string(i) + "@example.com\n"; // lines 2..8
    }
    auto o = options();
    o.chunk_size = 3;
    failing_store failing(*store_, 1);
    std::istringstream in(csv);
    const auto stopped = import_list(failing, in, o);
    ASSERT_TRUE(stopped.failure);
    EXPECT_THAT(*stopped.failure, HasSubstr("full"));
    EXPECT_EQ(stopped.taken, 3u);
    EXPECT_EQ(stopped.last_line_committed, 4u);
    EXPECT_EQ(rows_of(*store_).size(), 3u) << "the failed chunk is not half-applied";

    o.from_line = stopped.last_line_committed + 1;
    std::istringstream again(csv);
    const auto resumed = import_list(*store_, again, o);
    EXPECT_FALSE(resumed.failure);
    EXPECT_EQ(resumed.skipped, 3u);
    EXPECT_EQ(resumed.taken, 4u);
    EXPECT_EQ(resumed.last_line_committed, 8u);
    EXPECT_EQ(rows_of(*store_).size(), 7u);

    std::istringstream twice(csv);
    EXPECT_EQ(import_list(*store_, twice, options()).taken, 7u);
    EXPECT_EQ(rows_of(*store_).size(), 7u) << "re-running an import replaces, never duplicates";
}

TEST_P(list_import_export, an_export_reimports_as_the_same_entries)
{
    std::istringstream in(mixed_csv);
    import_list(*store_, in, options());
    for (auto format : {list_format::csv, list_format::jsonl}) {
        std::ostringstream out;
        EXPECT_EQ(export_list(*store_, out, format, std::nullopt, std::nullopt), 3u);
        auto other = open_other();
        std::istringstream back(out.str());
        auto o = options();
        o.format = format;
        const auto report = import_list(*other, back, o);
        EXPECT_EQ(report.refused, 0u) << out.str();
        EXPECT_EQ(rows_of(*other), rows_of(*store_));
    }
}

TEST_P(list_import_export, an_export_filters_and_pages_with_a_cursor)
{
    std::string csv = "email,stream,reason\n";
    for (int i = 0; i < 2500; ++i) {
        csv += "u" + std::to_string(10000 + i) + "@example.com,marketing," +
               (i % 5 == 0 ? "spam" : "manual") + "\n";
    }
    std::istringstream in(csv);
    ASSERT_EQ(import_list(*store_, in, options()).taken, 2500u);

    std::ostringstream spam;
    EXPECT_EQ(export_list(*store_, spam, list_format::jsonl, std::string("marketing"),
                          std::string("spam")),
              500u);
    std::ostringstream none;
    EXPECT_EQ(
        export_list(*store_, none, list_format::csv, std::string("transactional"), std::nullopt),
        0u);

    std::size_t total = 0;
    int pages = 0;
    storage::suppression_filter filter;
    for (;; ++pages) {
        std::ostringstream out;
        entry_writer writer(out, list_format::csv);
        const auto page = export_entries(*store_, writer, filter, 1200);
        total += page.written;
        if (!page.next) {
            break;
        }
        filter.after_email = page.next->after_email;
        filter.after_stream = page.next->after_stream;
    }
    EXPECT_EQ(total, 2500u);
    EXPECT_EQ(pages, 2);
}

INSTANTIATE_TEST_SUITE_P(backends, list_import_export, storage::test::all_backends(),
                         storage::test::name_of);

} // namespace
} // namespace mailgate::core::suppression_list
