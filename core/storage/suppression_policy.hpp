#pragma once

// What both backends do with a routed event's suppression decision (docs/suppression.md): the
// entry a suppress makes, how it meets an entry already there, and what a count rule keeps.
// SQLite runs this code; PostgreSQL runs the same rules as SQL (postgres/event_writes.cpp), so
// that concurrent nodes decide under the row's lock.

#include "core/events/event.hpp"
#include "core/storage/store.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mailgate::core::storage {

/// The source a rule-made change records: the rule's name, or `fallback` for a rule without one.
inline std::string rule_source(const events::routed_event& routed, const std::string& fallback)
{
    return "rule:" + (routed.rule.empty() ? fallback : routed.rule);
}

/// The entry a suppress (or a count that reached its threshold) makes.
inline suppression entry_of(const events::routed_event& routed)
{
    const auto& ev = routed.ev;
    suppression out;
    out.email = ev.email;
    out.reason = routed.suppression_reason;
    out.provider = ev.provider;
    out.created_at = ev.received_at_ms;
    out.stream = routed.suppression_stream;
    out.expires_at = routed.suppress_for_ms > 0 ? ev.received_at_ms + routed.suppress_for_ms : 0;
    out.source = rule_source(routed, routed.suppression_reason);
    out.note = ev.description;
    return out;
}

/// True when an entry lapsing at `expires_at` (0: never) has lapsed at `now`.
inline bool expired(int64_t expires_at, int64_t now)
{
    return expires_at != 0 && expires_at <= now;
}

/// True when an entry lapsing at `incoming` outlasts one lapsing at `existing` (0: never).
inline bool lasts_longer(int64_t incoming, int64_t existing)
{
    return existing != 0 && (incoming == 0 || incoming > existing);
}

enum class merge_outcome {
    keep,    ///< the existing entry stays as it is: the first reason stays
    replace, ///< the incoming entry takes the place of one that lapsed
    extend,  ///< the existing entry stays, lasting as long as the incoming one
};

/// How a rule-made `incoming` entry meets `existing` (same address and stream).
inline merge_outcome merge(const suppression& existing, const suppression& incoming)
{
    if (expired(existing.expires_at, incoming.created_at)) {
        return merge_outcome::replace;
    }
    if (lasts_longer(incoming.expires_at, existing.expires_at)) {
        return merge_outcome::extend;
    }
    return merge_outcome::keep;
}

/// A count rule's hits with `hit` added, oldest first, without those older than the newest less
/// `window`.
inline std::vector<int64_t> add_hit(std::vector<int64_t> hits, int64_t hit, int64_t window)
{
    hits.insert(std::upper_bound(hits.begin(), hits.end(), hit), hit);
    const int64_t oldest_kept = hits.back() - window;
    hits.erase(hits.begin(), std::lower_bound(hits.begin(), hits.end(), oldest_kept));
    return hits;
}

/// How many of `hits` fall within [hit - window, hit].
inline std::size_t hits_within(const std::vector<int64_t>& hits, int64_t hit, int64_t window)
{
    return static_cast<std::size_t>(std::count_if(
        hits.begin(), hits.end(), [&](int64_t h) { return h >= hit - window && h <= hit; }));
}

/// A count rule's hits as SQLite keeps them (and PostgreSQL reads its array): "t1,t2,...".
inline std::string format_hits(const std::vector<int64_t>& hits)
{
    std::string out;
    for (auto h : hits) {
        out += (out.empty() ? "" : ",") + std::to_string(h);
    }
    return out;
}

/// The hits of format_hits' text.
inline std::vector<int64_t> hits_of(std::string_view text)
{
    std::vector<int64_t> out;
    while (!text.empty()) {
        const auto comma = std::min(text.find(','), text.size());
        int64_t hit = 0;
        std::from_chars(text.data(), text.data() + comma, hit);
        out.push_back(hit);
        text.remove_prefix(std::min(comma + 1, text.size()));
    }
    return out;
}

/// What remove_suppression removes and how its history records it.
struct removal {
    std::string email;
    std::string stream; ///< empty: every entry of the address
    std::string source;
    std::string note;
    int64_t at = 0; ///< Unix ms
};

/// The domain entry that covers `email`: "*@" and what follows its last '@', or empty when it
/// has none.
inline std::string domain_entry_of(const std::string& email)
{
    const auto at = email.rfind('@');
    return at == std::string::npos ? std::string() : "*@" + email.substr(at + 1);
}

} // namespace mailgate::core::storage
