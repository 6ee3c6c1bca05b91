#pragma once

// What the storage tests share: a scratch folder, event builders, and ways to wait for the
// asynchronous apply() or to hold the writer still.

#include "core/events/event.hpp"
#include "core/storage/store.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace mailgate::core::storage::test {

/// A fresh folder under the system's temp folder, removed with everything in it.
class temp_folder {
public:
    temp_folder()
    {
        auto pattern =
            (std::filesystem::temp_directory_path() / "mailgate-storage-XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("cannot create a folder like " + pattern);
        }
        path_ = pattern;
    }
    ~temp_folder()
    {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    temp_folder(const temp_folder&) = delete;
    temp_folder& operator=(const temp_folder&) = delete;

    const std::filesystem::path& path() const noexcept { return path_; }

private:
    std::filesystem::path path_;
};

inline constexpr int64_t base_time = 1'700'000'000'000;

/// A minimal event; the builders below add what a test needs.
inline events::routed_event routed(std::string event_key,
                                   events::event_kind kind = events::event_kind::delivered,
                                   std::string email = "rcpt@example.com")
{
    events::routed_event r;
    r.ev.provider = "postal";
    r.ev.driver = "postal@1.0.0";
    r.ev.kind = kind;
    r.ev.email = std::move(email);
    r.ev.occurred_at_ms = base_time;
    r.ev.received_at_ms = base_time + 500;
    r.ev.event_key = std::move(event_key);
    return r;
}

inline events::routed_event suppressing(events::routed_event r, std::string reason)
{
    r.suppression = events::suppression_change::suppress;
    r.suppression_reason = std::move(reason);
    return r;
}

inline events::routed_event lifting(events::routed_event r, std::string reason)
{
    r.suppression = events::suppression_change::lift;
    r.suppression_reason = std::move(reason);
    return r;
}

/// In `stream` instead of every stream.
inline events::routed_event in_stream(events::routed_event r, std::string stream)
{
    r.suppression_stream = std::move(stream);
    return r;
}

/// Suppressing for `ms` from its receipt instead of until lifted.
inline events::routed_event lasting(events::routed_event r, int64_t ms)
{
    r.suppress_for_ms = ms;
    return r;
}

/// Received (and occurred) `offset` ms after base_time.
inline events::routed_event at_time(events::routed_event r, int64_t offset)
{
    r.ev.occurred_at_ms = base_time + offset;
    r.ev.received_at_ms = base_time + offset;
    return r;
}

/// Decided by `rule`, which gives `note` as the event's description.
inline events::routed_event by_rule(events::routed_event r, std::string rule, std::string note = "")
{
    r.rule = std::move(rule);
    r.ev.description = std::move(note);
    return r;
}

/// One hit for a count rule: `threshold` hits within `window` ms suppress for `reason`.
inline events::routed_event counting(events::routed_event r, std::string rule, std::string reason,
                                     int64_t threshold, int64_t window)
{
    r.suppression = events::suppression_change::count;
    r.suppression_reason = std::move(reason);
    r.rule = std::move(rule);
    r.count_threshold = threshold;
    r.count_window_ms = window;
    return r;
}

inline events::routed_event in_campaign(events::routed_event r, std::string campaign_id)
{
    r.ev.attributed.campaign_id = std::move(campaign_id);
    return r;
}

inline events::routed_event for_reason(events::routed_event r, reasons::reason why)
{
    r.ev.reason = why;
    return r;
}

inline events::routed_event with_system_event(events::routed_event r, std::string name)
{
    r.system_events.push_back({std::move(name), "property", "reason"});
    return r;
}

inline events::routed_event from_provider(events::routed_event r, std::string provider)
{
    r.ev.provider = std::move(provider);
    return r;
}

/// A time after every event the builders make: what find_suppression is asked at unless a test
/// says otherwise.
inline constexpr int64_t later = base_time + 60'000;

/// The entry that stops mail to `email` in `stream` at `now`.
inline std::optional<suppression> found(store& s, const std::string& email,
                                        std::string_view stream = "marketing", int64_t now = later)
{
    return s.find_suppression(email, stream, now);
}

/// Removes every entry of the address, as the operator does. True when there was one.
inline bool lift_all(store& s, const std::string& email)
{
    return s.remove_suppression(email, "", "admin:test", "") > 0;
}

struct outcome {
    std::error_code error;
    commit_result result;
};

/// apply(), then waits for its `done`.
inline outcome apply_and_wait(store& s, std::vector<events::routed_event> batch)
{
    auto done = std::make_shared<std::promise<outcome>>();
    auto result = done->get_future();
    s.apply(std::move(batch), [done](std::error_code error, commit_result r) {
        done->set_value({error, r});
    });
    return result.get();
}

/// Every event matching `filter`, page after page.
inline std::vector<stored_event> all_events(store& s, event_filter filter = {})
{
    std::vector<stored_event> out;
    filter.limit = 1000;
    for (auto page = s.list_events(filter); !page.empty(); page = s.list_events(filter)) {
        filter.after_id = page.back().id;
        out.insert(out.end(), page.begin(), page.end());
    }
    return out;
}

inline std::vector<std::string> keys_of(const std::vector<stored_event>& events)
{
    std::vector<std::string> out;
    for (const auto& e : events) {
        out.push_back(e.ev.event_key);
    }
    return out;
}

inline std::vector<std::string> emails_of(const std::vector<suppression>& entries)
{
    std::vector<std::string> out;
    for (const auto& s : entries) {
        out.push_back(s.email);
    }
    return out;
}

inline std::vector<std::string> keys_for(store& s, const std::string& email)
{
    event_filter filter;
    filter.email = email;
    return keys_of(all_events(s, filter));
}

// A database from before the canonical address form: suppressions and events written in
// several forms of one address, and one address the parser refuses.
inline constexpr const char* old_form_suppressions_sql =
    "INSERT INTO suppressions (email, reason, provider, created_at) VALUES "
    "('zoe@bücher.example', 'hard_bounce', 'postal', 100),"
    "('zoe@xn--bcher-kva.example', 'unsubscribed', '', 200),"
    "('\"ann\"@example.com', 'manual', '', 300),"
    "('ann@example.com', 'spam', 'postal', 50),"
    "('ÉLODIE@example.com', 'manual', '', 10),"
    "('weird@localhost', 'manual', '', 1)";
/// event_key, email.
inline const std::vector<std::pair<std::string, std::string>> old_form_events{
    {"k1", "Zoe@bücher.example"},
    {"k2", "\"ann\"@example.com"},
    {"k3", "ann@example.com"},
    {"k4", "weird@localhost"}};

/// After the migration: one key per address (the earliest suppression stays), found by the
/// canonical form only; the refused address as it was.
inline void expect_canonical_addresses(store& s)
{
    std::vector<std::string> rows;
    for (const auto& row : s.list_suppressions({})) {
        rows.push_back(row.email + " " + row.reason + " " + row.provider + " " +
                       std::to_string(row.created_at));
    }
    EXPECT_THAT(rows, ::testing::ElementsAre("ann@example.com spam postal 50",
                                             "weird@localhost manual  1",
                                             "zoe@xn--bcher-kva.example hard_bounce postal 100",
                                             "élodie@example.com manual  10"));
    EXPECT_THAT(keys_for(s, "zoe@xn--bcher-kva.example"), ::testing::ElementsAre("k1"));
    EXPECT_THAT(keys_for(s, "ann@example.com"), ::testing::ElementsAre("k2", "k3"));
    EXPECT_THAT(keys_for(s, "weird@localhost"), ::testing::ElementsAre("k4"));
    EXPECT_THAT(keys_for(s, "Zoe@bücher.example"), ::testing::IsEmpty())
        << "no event keeps an old form";
}

// A database from before streams: one event-made entry and one manual one.
inline constexpr const char* pre_stream_suppressions_sql =
    "INSERT INTO suppressions (email, reason, provider, created_at) VALUES "
    "('a@example.com', 'hard_bounce', 'postal', 100),"
    "('m@example.com', 'manual', '', 200)";

/// After the migration: each entry covers every stream, says who made it, and keeps working.
inline void expect_every_stream_entries(store& s)
{
    std::vector<std::string> rows;
    for (const auto& row : s.list_suppressions({})) {
        rows.push_back(row.email + " " + row.stream + " " + row.reason + " " + row.source + " " +
                       std::to_string(row.expires_at));
    }
    EXPECT_THAT(rows, ::testing::ElementsAre("a@example.com * hard_bounce rule:hard_bounce 0",
                                             "m@example.com * manual admin 0"));
    EXPECT_TRUE(s.find_suppression("a@example.com", "marketing", later));
    EXPECT_TRUE(s.find_suppression("m@example.com", "transactional", later));
    EXPECT_EQ(s.remove_suppression("m@example.com", "", "admin:test", ""), 1u);
    EXPECT_FALSE(s.find_suppression("m@example.com", "transactional", later));
    EXPECT_EQ(s.suppression_history("m@example.com", 10).size(), 1u);
}

// A database from before events kept their stream: attributed events, stored without one.
inline const std::vector<std::string> pre_stream_event_keys{"k1", "k2"};

/// After the migration: the events from before read back whole, with no stream, and a new one
/// keeps its own.
inline void expect_events_without_stream(store& s)
{
    const auto before = all_events(s);
    ASSERT_EQ(keys_of(before), pre_stream_event_keys);
    for (const auto& e : before) {
        EXPECT_EQ(e.ev.attributed.message_id, "msg-" + e.ev.event_key);
        EXPECT_EQ(e.ev.attributed.campaign_id, "camp");
        EXPECT_EQ(e.ev.attributed.stream, "") << e.ev.event_key;
    }
    auto next = routed("k3", events::event_kind::unsubscribed);
    next.ev.attributed = {"msg-k3", "camp", "", "newsletters"};
    ASSERT_FALSE(apply_and_wait(s, {next}).error);
    const auto after = all_events(s);
    ASSERT_EQ(after.size(), 3u);
    EXPECT_EQ(after[2].ev.attributed.stream, "newsletters");
    EXPECT_EQ(after[0].ev.attributed.stream, "");
}

/// An entry for every stream, until lifted.
inline suppression entry(std::string email, std::string reason, std::string provider,
                         int64_t created_at)
{
    suppression out;
    out.email = std::move(email);
    out.reason = std::move(reason);
    out.provider = std::move(provider);
    out.created_at = created_at;
    return out;
}

inline void expect_same(const suppression& actual, const suppression& expected)
{
    EXPECT_EQ(actual.email, expected.email);
    EXPECT_EQ(actual.reason, expected.reason);
    EXPECT_EQ(actual.provider, expected.provider);
    EXPECT_EQ(actual.created_at, expected.created_at);
    EXPECT_EQ(actual.stream, expected.stream);
    EXPECT_EQ(actual.expires_at, expected.expires_at);
}

/// Holds the store's writer inside a `done` handler, so that what is submitted meanwhile
/// queues up and goes into the next group. Opens when destroyed, at the latest.
class writer_gate {
public:
    explicit writer_gate(store& s)
    {
        auto entered = std::make_shared<std::promise<void>>();
        auto writer_held = entered->get_future();
        s.apply({}, [entered, released = released_](std::error_code, commit_result) {
            entered->set_value();
            released.wait();
        });
        writer_held.wait();
    }
    ~writer_gate() { open(); }
    writer_gate(const writer_gate&) = delete;
    writer_gate& operator=(const writer_gate&) = delete;

    void open()
    {
        if (!open_) {
            open_ = true;
            release_.set_value();
        }
    }

private:
    std::promise<void> release_;
    std::shared_future<void> released_{release_.get_future().share()};
    bool open_ = false;
};

} // namespace mailgate::core::storage::test
