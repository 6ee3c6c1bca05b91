#include "core/storage/system_events_column.hpp"

#include <boost/json.hpp>

#include <stdexcept>

namespace mailgate::core::storage {

std::string system_events_to_json(const std::vector<events::system_event>& system_events)
{
    boost::json::array out;
    for (const auto& se : system_events) {
        out.push_back(boost::json::array{se.name, se.property, se.reason});
    }
    return boost::json::serialize(out);
}

std::vector<events::system_event> system_events_from_json(std::string_view json)
{
    boost::json::error_code ec;
    const boost::json::value value = boost::json::parse(json, ec);
    if (ec || !value.is_array()) {
        throw std::runtime_error("a stored event has unreadable system events");
    }
    std::vector<events::system_event> out;
    for (const auto& triple : value.get_array()) {
        const auto* fields = triple.if_array();
        if (fields == nullptr || fields->size() != 3 || !(*fields)[0].is_string() ||
            !(*fields)[1].is_string() || !(*fields)[2].is_string()) {
            throw std::runtime_error("a stored event has unreadable system events");
        }
        out.push_back({std::string((*fields)[0].get_string()),
                       std::string((*fields)[1].get_string()),
                       std::string((*fields)[2].get_string())});
    }
    return out;
}

} // namespace mailgate::core::storage
