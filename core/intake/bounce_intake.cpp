#include "core/intake/bounce_intake.hpp"

#include "core/base/clock.hpp"
#include "core/bounces/bounce_classifier.hpp"
#include "core/intake/bounce_events.hpp"
#include "core/workers/blocking_pool.hpp"

#include <future>
#include <memory>

namespace mailgate::core::intake {
namespace {

bool is_report(bounces::message_kind kind)
{
    return kind == bounces::message_kind::bounce || kind == bounces::message_kind::feedback;
}

} // namespace

bounce_intake::bounce_intake(storage::store& store, workers::blocking_pool& pool,
                             intake_settings settings, metrics::registry* metrics)
    : store_(store), pool_(pool), settings_(std::move(settings))
{
    if (metrics != nullptr) {
        messages_.emplace(*metrics, "mailgate_bounce_messages_total",
                          "Bounce mail handled, by way in, kind and attribution",
                          std::vector<std::string>{"channel", "kind", "attribution"});
        refusals_.emplace(*metrics);
    }
}

void bounce_intake::count(const std::string& channel, const intake_report& report) const
{
    if (messages_) {
        messages_
            ->with({channel, bounces::to_string(report.bounce.kind),
                    to_string(report.attributed.method)})
            .add();
        refusals_->report(report.events);
    }
}

intake_report bounce_intake::inspect(std::string_view raw, std::string_view envelope_recipient,
                                     const std::string& channel) const
{
    intake_report report;
    report.bounce = bounces::classify_message(raw);
    if (!is_report(report.bounce.kind)) {
        return report;
    }
    report.attributed = attribute(
        report.bounce, {std::string(envelope_recipient), outer_recipients(raw)}, settings_.keys,
        [this](const std::string& id) { return store_.find_message(id); });
    report.events = bounce_events(report.bounce, report.attributed,
                                  {channel, bounce_key(raw), base::unix_ms_now()},
                                  settings_.suppress_unattributed, settings_.policy);
    return report;
}

void bounce_intake::submit(std::string raw, std::string envelope_recipient, std::string channel,
                           report_handler done)
{
    auto shared_done = std::make_shared<report_handler>(std::move(done));
    const bool queued =
        pool_.try_submit([this, raw = std::move(raw), rcpt = std::move(envelope_recipient),
                          channel = std::move(channel), shared_done]() mutable {
            intake_report report;
            try {
                report = inspect(raw, rcpt, channel);
            } catch (const std::exception&) {
                // A store read failed: nothing stored, and the way in keeps the message.
                (*shared_done)(std::make_error_code(std::errc::io_error), std::move(report));
                return;
            }
            if (report.events.empty()) {
                count(channel, report);
                (*shared_done)({}, std::move(report));
                return;
            }
            auto batch = report.events;
            auto holder = std::make_shared<intake_report>(std::move(report));
            store_.apply(std::move(batch), [this, holder, shared_done, channel](
                                               std::error_code ec, storage::commit_result stored) {
                holder->stored = stored;
                if (!ec) {
                    count(channel, *holder);
                }
                (*shared_done)(ec, std::move(*holder));
            });
        });
    if (!queued) {
        (*shared_done)(std::make_error_code(std::errc::resource_unavailable_try_again), {});
    }
}

intake_report bounce_intake::process(std::string_view raw, std::string_view envelope_recipient,
                                     const std::string& channel)
{
    intake_report report = inspect(raw, envelope_recipient, channel);
    if (report.events.empty()) {
        count(channel, report);
        return report;
    }
    std::promise<std::pair<std::error_code, storage::commit_result>> committed;
    store_.apply(report.events, [&committed](std::error_code ec, storage::commit_result stored) {
        committed.set_value({ec, stored});
    });
    const auto [ec, stored] = committed.get_future().get();
    if (ec) {
        throw std::system_error(ec, "storing the bounce's events");
    }
    report.stored = stored;
    count(channel, report);
    return report;
}

bounces::message_sink bounce_intake::sink(std::string channel)
{
    return [this, channel = std::move(channel)](std::string raw, std::string envelope_recipient,
                                                bounces::sink_done done) {
        submit(std::move(raw), std::move(envelope_recipient), channel,
               [done = std::move(done)](std::error_code ec, const intake_report& report) {
                   done(ec, is_report(report.bounce.kind) ? bounces::sink_outcome::handled
                                                          : bounces::sink_outcome::not_bounce);
               });
    };
}

} // namespace mailgate::core::intake
