#include "core/storage/postgres/write_set.hpp"

#include <iterator>

namespace mailgate::core::storage::postgres {

void write_set::add_events(const std::vector<events::routed_event>& batch,
                           const std::vector<prepared_event>& prepared, stored_handler stored)
{
    batches_.push_back({&batch, &prepared, std::move(stored), changes_.size()});
    for (std::size_t i = 0; i < batch.size(); ++i) {
        events_.push_back({&batch[i], &prepared[i]});
    }
}

void write_set::add_statement(std::string_view sql, params values, result_handler done)
{
    statements_.push_back({sql, std::move(values)});
    statement_handlers_.push_back(std::move(done));
}

void write_set::remove_suppression(suppression_change change)
{
    change.what = suppression_change::kind::remove;
    changes_.push_back(std::move(change));
}

void write_set::run(connection& db, std::string_view begin, std::string_view end)
{
    const bool first_needed = !events_.empty() || !statements_.empty();
    if (first_needed) {
        take_first_round(db.run_pipeline(first_round(begin)));
    }
    const auto results = db.run_pipeline(second_round(first_needed ? "" : begin, end));
    for (std::size_t i = 0; i < second_round_handlers_.size(); ++i) {
        if (second_round_handlers_[i]) {
            second_round_handlers_[i](results[i]);
        }
    }
}

std::vector<statement> write_set::first_round(std::string_view begin)
{
    std::vector<statement> out;
    out.push_back({begin, {}});
    if (!events_.empty()) {
        out.push_back(insert_events(events_));
    }
    std::move(statements_.begin(), statements_.end(), std::back_inserter(out));
    return out;
}

void write_set::take_first_round(const std::vector<result>& results)
{
    std::size_t next = 1; // after begin
    if (!events_.empty()) {
        take_stored(results[next++]);
    }
    for (const auto& handler : statement_handlers_) {
        const auto& r = results[next++];
        if (handler) {
            handler(r);
        }
    }
}

void write_set::take_stored(const result& inserted)
{
    const auto stored_rows = stored_events(inserted, events_.size());
    std::size_t row = 0;
    std::vector<suppression_change> ordered;
    std::size_t next_change = 0;
    for (const auto& b : batches_) {
        std::move(changes_.begin() + next_change, changes_.begin() + b.first_change,
                  std::back_inserter(ordered));
        next_change = b.first_change;
        std::vector<bool> stored(b.events->size());
        for (std::size_t i = 0; i < stored.size(); ++i) {
            stored[i] = stored_rows[row++];
            if (!stored[i]) {
                continue;
            }
            const auto& routed = (*b.events)[i];
            if (auto change = change_of(routed)) {
                ordered.push_back(std::move(*change));
            }
            count(routed, counters_);
        }
        if (b.stored) {
            b.stored(stored);
        }
    }
    std::move(changes_.begin() + next_change, changes_.end(), std::back_inserter(ordered));
    changes_ = std::move(ordered);
}

std::vector<statement> write_set::second_round(std::string_view begin, std::string_view end)
{
    std::vector<statement> out;
    second_round_handlers_.clear();
    auto add = [&](statement s, result_handler handler) {
        out.push_back(std::move(s));
        second_round_handlers_.push_back(std::move(handler));
    };
    if (!begin.empty()) {
        add({begin, {}}, {});
    }
    for (auto& [s, handler] : suppression_statements(std::move(changes_))) {
        add(std::move(s), std::move(handler));
    }
    if (!counters_.empty()) {
        add(add_counters(counters_), {});
    }
    add({end, {}}, {});
    return out;
}

} // namespace mailgate::core::storage::postgres
