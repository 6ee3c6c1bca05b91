#include "core/storage/queued_message.hpp"

#include <array>

namespace mailgate::core::storage {
namespace {

constexpr std::array<std::string_view, 5> state_names{"queued", "sending", "sent", "deferred",
                                                      "failed"};

} // namespace

std::string_view to_string(delivery_state state) noexcept
{
    return state_names[static_cast<std::size_t>(state)];
}

std::optional<delivery_state> parse_delivery_state(std::string_view name) noexcept
{
    for (std::size_t i = 0; i < state_names.size(); ++i) {
        if (state_names[i] == name) {
            return static_cast<delivery_state>(i);
        }
    }
    return std::nullopt;
}

std::string queued_message::text() const
{
    if (!entity) {
        return head;
    }
    std::string out;
    out.reserve(head.size() + entity->size());
    return out.append(head).append(*entity);
}

} // namespace mailgate::core::storage
