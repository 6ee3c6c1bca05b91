#pragma once

// The events.system_events column: an event's derived system events as a JSON array of
// [name, property, reason] triples.

#include "core/events/event.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace mailgate::core::storage {

std::string system_events_to_json(const std::vector<events::system_event>& system_events);

/// Throws std::runtime_error for a value the writer could not have written.
std::vector<events::system_event> system_events_from_json(std::string_view json);

} // namespace mailgate::core::storage
