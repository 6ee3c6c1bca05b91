#include "core/alerts/sender_refusals.hpp"

#include "core/log/log.hpp"

namespace mailgate::core::alerts {
namespace {

// Receiving domains become label values: past this many, the rest share one series, so a
// spread of small domains cannot grow the metrics without bound.
constexpr std::size_t max_domains = 500;
constexpr auto log_interval = std::chrono::minutes(1);

} // namespace

sender_refusals::sender_refusals(metrics::registry& metrics)
    : refusals_(metrics, "mailgate_sender_refusals_total",
                "Events in which the receiver refused the sender, not the recipient (the "
                "policy's alert rules), by provider, receiving domain and reason",
                {"provider", "domain", "reason"})
{
}

void sender_refusals::report(const std::vector<events::routed_event>& batch)
{
    for (const auto& routed : batch) {
        if (routed.alert) {
            count(routed.ev);
        }
    }
}

std::string sender_refusals::domain_label(const std::string& email)
{
    const auto at = email.rfind('@');
    std::string domain = at == std::string::npos ? std::string() : email.substr(at + 1);
    if (domains_.contains(domain) || domains_.size() < max_domains) {
        domains_.insert(domain);
        return domain;
    }
    return "other";
}

void sender_refusals::count(const events::gateway_event& ev)
{
    const std::string reason(ev.reason ? reasons::to_string(*ev.reason) : "undefined");
    std::lock_guard lock(mutex_);
    const std::string domain = domain_label(ev.email);
    refusals_.with({ev.provider, domain, reason}).add(1);
    auto& entry = logged_[ev.provider + '\0' + domain + '\0' + reason];
    ++entry.since_logged;
    const auto now = std::chrono::steady_clock::now();
    if (now - entry.last_logged < log_interval) {
        return;
    }
    log::get("events")->warn(
        "provider '{}': {} refused the sender ({}; {} event(s) since the last report), not the "
        "recipient: not suppressed. Last: {}",
        ev.provider, domain, reason, entry.since_logged, ev.description);
    entry.last_logged = now;
    entry.since_logged = 0;
}

} // namespace mailgate::core::alerts
