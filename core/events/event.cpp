#include "core/events/event.hpp"

#include <mailgate/sdk/abi.h>

#include <array>
#include <utility>

namespace mailgate::core::events {
namespace {

constexpr std::array<std::pair<event_kind, std::string_view>, event_kind_count> names{{
    {event_kind::delivered, "delivered"},
    {event_kind::deferred, "deferred"},
    {event_kind::soft_bounce, "soft_bounce"},
    {event_kind::hard_bounce, "hard_bounce"},
    {event_kind::dropped, "dropped"},
    {event_kind::spam, "spam"},
    {event_kind::unsubscribed, "unsubscribed"},
    {event_kind::resubscribed, "resubscribed"},
    {event_kind::opened, "opened"},
    {event_kind::clicked, "clicked"},
    {event_kind::processed, "processed"},
    {event_kind::list_sync, "list_sync"},
}};

} // namespace

std::string_view to_string(event_kind kind) noexcept
{
    return names[static_cast<std::size_t>(kind)].second;
}

std::optional<event_kind> parse_event_kind(std::string_view name) noexcept
{
    for (const auto& [kind, text] : names) {
        if (text == name) {
            return kind;
        }
    }
    return std::nullopt;
}

// The ABI numbers the kinds from 1 in the same order as event_kind.
std::optional<event_kind> from_abi(int32_t kind) noexcept
{
    if (kind < MG_EVENT_DELIVERED || kind > MG_EVENT_LIST_SYNC) {
        return std::nullopt;
    }
    return static_cast<event_kind>(kind - MG_EVENT_DELIVERED);
}

} // namespace mailgate::core::events
