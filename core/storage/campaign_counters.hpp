#pragma once

// The names of a campaign's counters (campaign_counters.counter), one place for both backends:
// "kind:hard_bounce", "reason:userunknown", "system:Notification Failed". One table of named
// counters, so a new breakdown of the report needs no migration.

#include "core/events/event.hpp"
#include "core/storage/store.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mailgate::core::storage {

/// The counters one new event adds 1 to: its kind, its reason when it has one, each of its
/// system events. None when it was attributed to no campaign.
std::vector<std::string> counters_of(const events::routed_event& routed);

/// Files a stored counter into its breakdown of `report`; a name of no known breakdown is left
/// out (a newer version's counter read by an older one).
void add_counter(campaign_report& report, std::string_view counter, int64_t count);

} // namespace mailgate::core::storage
