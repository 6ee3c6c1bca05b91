#pragma once

// Bounce mail from any way in (the SMTP listener, an IMAP mailbox, POST /v1/bounces, the CLI)
// to stored events: classify (core/bounces), attribute (bounce_attribution), make the events
// (bounce_events) and apply them through the store like a webhook's, so suppression, system
// events and campaign reports need no path of their own.

#include "core/alerts/sender_refusals.hpp"
#include "core/bounces/message_sink.hpp"
#include "core/events/suppression_policy.hpp"
#include "core/intake/bounce_attribution.hpp"
#include "core/metrics/registry.hpp"
#include "core/storage/store.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace mailgate::core::workers {
class blocking_pool;
}

namespace mailgate::core::intake {

/// What became of one message.
struct intake_report {
    bounces::bounce_result bounce;
    bounce_attribution attributed;
    std::vector<events::routed_event> events; ///< what was stored, or would be
    storage::commit_result stored;            ///< of `events`: stored and duplicates
};

/// Called once, from a storage or worker thread, when the report's events are durable (or
/// failed: `ec` set, nothing stored). Must not block.
using report_handler = std::function<void(std::error_code, intake_report)>;

struct intake_settings {
    attribution_keys keys;
    bool suppress_unattributed = false;
    events::suppression_policy policy;
};

class bounce_intake {
public:
    /// `store`, `pool` and `metrics` must outlive the intake; `pool` runs the classification and
    /// the queue lookups, off the threads that hand messages in. `metrics` may be null.
    bounce_intake(storage::store& store, workers::blocking_pool& pool, intake_settings settings,
                  metrics::registry* metrics = nullptr);

    /// Handles `raw` as received over `channel` ("smtp", "imap:<mailbox>", "api", "cli");
    /// `envelope_recipient` is the RCPT TO of the SMTP listener, else empty. Never blocks: when
    /// the pool's queue is full, `done` gets std::errc::resource_unavailable_try_again at once.
    /// THREAD: any.
    void submit(std::string raw, std::string envelope_recipient, std::string channel,
                report_handler done);

    /// As submit, on the calling thread, and returns once the events are durable. Throws
    /// std::system_error when they could not be stored. For a worker or a command, never an
    /// I/O thread.
    intake_report process(std::string_view raw, std::string_view envelope_recipient,
                          const std::string& channel);

    /// What `raw` would store, without storing it (a dry run). Blocks on the queue lookups.
    intake_report inspect(std::string_view raw, std::string_view envelope_recipient,
                          const std::string& channel) const;

    /// A sink for a way in that hands messages over `channel`. The intake must outlive it.
    bounces::message_sink sink(std::string channel);

private:
    /// Counts a message whose result is durable.
    void count(const std::string& channel, const intake_report& report) const;

    storage::store& store_;
    workers::blocking_pool& pool_;
    intake_settings settings_;
    std::optional<metrics::counter_family> messages_;
    mutable std::optional<alerts::sender_refusals> refusals_;
};

} // namespace mailgate::core::intake
