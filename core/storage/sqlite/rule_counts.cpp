#include "core/storage/sqlite/rule_counts.hpp"

#include "core/storage/prepared_event.hpp"
#include "core/storage/suppression_policy.hpp"

#include <algorithm>
#include <string_view>
#include <utility>

namespace mailgate::core::storage::sqlite {
namespace {

// The address's indexed events that `rule` counted from `since` on, oldest first.
std::vector<int64_t> indexed_hits(connection& db, const std::string& email, int64_t hash,
                                  const std::string& rule, int64_t since)
{
    auto q = db.prepare("SELECT occurred_at FROM events WHERE id IN "
                        "(SELECT event_id FROM event_emails WHERE email_hash = ?) "
                        "AND email = ? AND count_rule = ? AND occurred_at >= ? "
                        "ORDER BY occurred_at");
    q.bind(hash).bind(email).bind(rule).bind(since);
    std::vector<int64_t> out;
    while (q.step()) {
        out.push_back(q.integer(0));
    }
    return out;
}

// A slot holds the high half of the hash beside the index, so that a probe reads an entry only
// when its hash may match.
constexpr uint64_t tag_mask = 0xffffffff00000000U;

uint64_t tag_of(int64_t hash)
{
    return static_cast<uint64_t>(hash) & tag_mask;
}

} // namespace

const std::vector<int64_t>& rule_counts::add(connection& db, const std::string& email, int64_t hash,
                                             const std::string& rule, int64_t at, int64_t window)
{
    if (filter_.needs_read()) {
        filter_.read(db, "SELECT coalesce(sum(length(hashes)), 0) / 8 FROM counted_addresses",
                     "SELECT hashes FROM counted_addresses", address_filter::column::hashes);
        for (const auto& c : counted_) {
            filter_.add(c.hash);
        }
    }
    bool added = false;
    auto& c = find_or_add(email, hash, rule, added);
    if (added) {
        if (filter_.may_hold(hash)) {
            c.hits = indexed_hits(db, email, hash, rule, at - window);
        }
        filter_.add(hash);
    }
    c.hits = add_hit(std::move(c.hits), at, window);
    return c.hits;
}

std::vector<int64_t> rule_counts::addresses() const
{
    std::vector<int64_t> out;
    out.reserve(counted_.size());
    for (const auto& c : counted_) {
        out.push_back(c.hash);
    }
    return out;
}

void rule_counts::clear() noexcept
{
    counted_.clear();
    std::fill(slots_.begin(), slots_.end(), 0);
    text_.clear();
}

rule_counts::counted& rule_counts::find_or_add(const std::string& email, int64_t hash,
                                               const std::string& rule, bool& added)
{
    if (2 * (counted_.size() + 1) > slots_.size()) {
        grow();
    }
    const auto r = rule_index(rule);
    const auto tag = tag_of(hash);
    const std::size_t mask = slots_.size() - 1;
    auto i = static_cast<std::size_t>(hash) & mask;
    for (; slots_[i] != 0; i = (i + 1) & mask) {
        if ((slots_[i] & tag_mask) != tag) {
            continue;
        }
        auto& c = counted_[(slots_[i] & ~tag_mask) - 1];
        if (c.hash == hash && c.rule == r &&
            std::string_view(text_).substr(c.email_at, c.email_size) == email) {
            return c;
        }
    }
    counted_.push_back({hash, text_.size(), email.size(), r, {}});
    text_ += email;
    slots_[i] = tag | counted_.size();
    added = true;
    return counted_.back();
}

// Rules are few: a name is kept once.
std::size_t rule_counts::rule_index(const std::string& rule)
{
    const auto it = std::find(rules_.begin(), rules_.end(), rule);
    if (it != rules_.end()) {
        return static_cast<std::size_t>(it - rules_.begin());
    }
    rules_.push_back(rule);
    return rules_.size() - 1;
}

void rule_counts::grow()
{
    slots_.assign(std::max<std::size_t>(1024, slots_.size() * 2), 0);
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t n = 0; n < counted_.size(); ++n) {
        auto i = static_cast<std::size_t>(counted_[n].hash) & mask;
        while (slots_[i] != 0) {
            i = (i + 1) & mask;
        }
        slots_[i] = tag_of(counted_[n].hash) | (n + 1);
    }
}

} // namespace mailgate::core::storage::sqlite
