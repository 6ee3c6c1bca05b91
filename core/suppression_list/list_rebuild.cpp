#include "core/suppression_list/list_rebuild.hpp"

#include "core/intake/bounce_events.hpp"
#include "core/storage/suppression_policy.hpp"

#include <map>
#include <utility>

namespace mailgate::core::suppression_list {
namespace {

using entry_key = std::pair<std::string, std::string>; // email, stream

// The rule-made entries the events leave, as storage would have made them.
class replay {
public:
    replay(const events::suppression_policy& policy, const rebuild_options& options)
        : policy_(policy), options_(options)
    {
    }

    void event(const events::gateway_event& ev)
    {
        if (ev.provider == intake::unattributed_provider && !options_.suppress_unattributed) {
            return;
        }
        events::routed_event routed;
        routed.ev = ev;
        policy_.decide(routed);
        switch (routed.suppression) {
        case events::suppression_change::suppress:
            suppress(storage::entry_of(routed));
            break;
        case events::suppression_change::count:
            count(routed);
            break;
        case events::suppression_change::lift:
            lift(routed);
            break;
        case events::suppression_change::none:
            break;
        }
    }

    const std::map<entry_key, storage::suppression>& made() const { return made_; }

private:
    void suppress(storage::suppression incoming)
    {
        const entry_key key{incoming.email, incoming.stream};
        auto it = made_.find(key);
        if (it == made_.end()) {
            made_.emplace(key, std::move(incoming));
            return;
        }
        switch (storage::merge(it->second, incoming)) {
        case storage::merge_outcome::replace:
            it->second = std::move(incoming);
            break;
        case storage::merge_outcome::extend:
            it->second.expires_at = incoming.expires_at;
            break;
        case storage::merge_outcome::keep:
            break;
        }
    }

    void count(const events::routed_event& routed)
    {
        const auto& ev = routed.ev;
        auto& hits = hits_[{ev.email, routed.rule}];
        hits = storage::add_hit(std::move(hits), ev.occurred_at_ms, routed.count_window_ms);
        if (storage::hits_within(hits, ev.occurred_at_ms, routed.count_window_ms) >=
            static_cast<std::size_t>(routed.count_threshold)) {
            suppress(storage::entry_of(routed));
        }
    }

    void lift(const events::routed_event& routed)
    {
        std::erase_if(made_, [&](const auto& item) {
            const auto& [key, entry] = item;
            return key.first == routed.ev.email && entry.reason == routed.suppression_reason &&
                   (key.second == routed.suppression_stream || key.second == events::all_streams);
        });
    }

    const events::suppression_policy& policy_;
    const rebuild_options& options_;
    std::map<entry_key, storage::suppression> made_;
    std::map<std::pair<std::string, std::string>, std::vector<int64_t>> hits_; // email, rule
};

std::map<entry_key, storage::suppression> current_list(storage::store& store)
{
    std::map<entry_key, storage::suppression> out;
    storage::suppression_filter filter;
    filter.limit = storage::max_page_size;
    for (;;) {
        auto page = store.list_suppressions(filter);
        for (auto& s : page) {
            out.emplace(entry_key{s.email, s.stream}, std::move(s));
        }
        if (page.size() < filter.limit) {
            return out;
        }
        filter.after_email = page.back().email;
        filter.after_stream = page.back().stream;
    }
}

bool rule_made(const storage::suppression& s)
{
    return s.source.starts_with("rule:");
}

} // namespace

rebuild_plan plan_rebuild(storage::store& store, const events::suppression_policy& policy,
                          const rebuild_options& options)
{
    rebuild_plan plan;
    replay r(policy, options);
    storage::event_filter filter;
    filter.since = options.since > 0 ? std::optional<int64_t>(options.since) : std::nullopt;
    filter.limit = storage::max_page_size;
    for (;;) {
        const auto page = store.list_events(filter);
        for (const auto& stored : page) {
            r.event(stored.ev);
        }
        plan.events += page.size();
        if (page.size() < filter.limit) {
            break;
        }
        filter.after_id = page.back().id;
    }
    const auto list = current_list(store);
    for (const auto& [key, entry] : r.made()) {
        auto it = list.find(key);
        const bool lapsed = storage::expired(entry.expires_at, options.now);
        if (it == list.end() || storage::expired(it->second.expires_at, options.now)) {
            if (!lapsed) {
                plan.add.push_back(entry);
            }
        } else if (rule_made(it->second) && lapsed) {
            plan.expire.push_back(it->second);
        } else if (rule_made(it->second) && it->second.expires_at != entry.expires_at) {
            auto changed = it->second;
            changed.expires_at = entry.expires_at;
            plan.change.push_back(std::move(changed));
        }
    }
    for (const auto& [key, entry] : list) {
        if (rule_made(entry) && entry.created_at >= options.since &&
            !storage::expired(entry.expires_at, options.now) && !r.made().contains(key)) {
            plan.lift.push_back(entry);
        }
    }
    return plan;
}

void apply_rebuild(storage::store& store, const rebuild_plan& plan, const std::string& who)
{
    const std::string source = "rebuild:" + who;
    for (const auto* entries : {&plan.add, &plan.change}) {
        for (auto s : *entries) {
            s.note = "re-judged by " + source + (s.note.empty() ? "" : ": " + s.note);
            store.put_suppression(s);
        }
    }
    for (const auto& s : plan.lift) {
        store.remove_suppression(s.email, s.stream, source, "the current rules do not make it");
    }
    for (const auto& s : plan.expire) {
        store.remove_suppression(s.email, s.stream, source, "lapsed under the current rules");
    }
}

} // namespace mailgate::core::suppression_list
