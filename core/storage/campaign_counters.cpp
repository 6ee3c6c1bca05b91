#include "core/storage/campaign_counters.hpp"

namespace mailgate::core::storage {
namespace {

constexpr std::string_view kind_prefix = "kind:";
constexpr std::string_view reason_prefix = "reason:";
constexpr std::string_view system_prefix = "system:";

} // namespace

std::vector<std::string> counters_of(const events::routed_event& routed)
{
    std::vector<std::string> out;
    if (routed.ev.attributed.campaign_id.empty()) {
        return out;
    }
    out.push_back(std::string(kind_prefix) + std::string(events::to_string(routed.ev.kind)));
    if (routed.ev.reason) {
        out.push_back(std::string(reason_prefix) +
                      std::string(reasons::to_string(*routed.ev.reason)));
    }
    for (const auto& se : routed.system_events) {
        out.push_back(std::string(system_prefix) + se.name);
    }
    return out;
}

void add_counter(campaign_report& report, std::string_view counter, int64_t count)
{
    if (counter.starts_with(kind_prefix)) {
        report.by_kind[std::string(counter.substr(kind_prefix.size()))] = count;
    } else if (counter.starts_with(reason_prefix)) {
        report.by_reason[std::string(counter.substr(reason_prefix.size()))] = count;
    } else if (counter.starts_with(system_prefix)) {
        report.by_system_event[std::string(counter.substr(system_prefix.size()))] = count;
    }
}

} // namespace mailgate::core::storage
