#include "core/intake/report_json.hpp"

#include "core/reasons/reason.hpp"

#include <boost/json/array.hpp>

namespace mailgate::core::intake {
namespace {

namespace json = boost::json;

json::object record_json(const bounces::bounce_record& r)
{
    return {{"recipient", r.recipient},
            {"reason", reasons::to_string(r.why)},
            {"hard", r.hard},
            {"smtp_code", r.smtp_code},
            {"status", r.status},
            {"diagnostic", r.diagnostic},
            {"reporting_mta", r.reporting_mta},
            {"remote_mta", r.remote_mta},
            {"action", r.action},
            {"feedback_type", r.feedback_type}};
}

json::object event_json(const events::routed_event& routed)
{
    const auto& ev = routed.ev;
    json::object out{
        {"kind", events::to_string(ev.kind)},
        {"email", ev.email},
        {"provider", ev.provider},
        {"reason", ev.reason ? json::value(reasons::to_string(*ev.reason)) : json::value(nullptr)},
        {"suppresses", routed.suppression == events::suppression_change::suppress}};
    return out;
}

} // namespace

json::object report_json(const intake_report& report, bool stored)
{
    const auto& b = report.bounce;
    json::array records;
    for (const auto& r : b.records) {
        records.push_back(record_json(r));
    }
    json::array events;
    for (const auto& e : report.events) {
        events.push_back(event_json(e));
    }
    const auto& a = report.attributed;
    json::object out{
        {"kind", bounces::to_string(b.kind)},
        {"format", b.format},
        {"records", std::move(records)},
        {"original",
         {{"message_id", b.original.message_id},
          {"return_path", b.original.return_path},
          {"from", b.original.from},
          {"to", b.original.to}}},
        {"attribution",
         {{"method", to_string(a.method)},
          {"message_id", a.fields.message_id},
          {"campaign_id", a.fields.campaign_id},
          {"provider", a.provider}}},
        {"events", std::move(events)},
    };
    if (stored) {
        out["stored"] = report.stored.stored;
        out["duplicates"] = report.stored.duplicates;
    }
    return out;
}

} // namespace mailgate::core::intake
