#include "core/callbacks/callback_response.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>

#include <string>

namespace mailgate::core::callbacks {
namespace {

// The item as the driver echoed it, with its errorDescription. Drivers send an object; anything
// else is kept under "item" so the ESP still sees what it sent.
boost::json::object unprocessed_item(const plugin::rejected_item& item)
{
    boost::json::error_code ec;
    boost::json::value parsed =
        item.item_json.empty() ? boost::json::value() : boost::json::parse(item.item_json, ec);
    boost::json::object out;
    if (!ec && parsed.is_object()) {
        out = std::move(parsed.get_object());
    } else if (!item.item_json.empty()) {
        out["item"] = ec ? boost::json::value(item.item_json) : std::move(parsed);
    }
    out["errorDescription"] = item.reason;
    return out;
}

} // namespace

boost::json::object processed_body(std::size_t processed, std::size_t duplicates,
                                   const std::vector<plugin::rejected_item>& rejected)
{
    boost::json::object body;
    if (!rejected.empty()) {
        body["error"] = std::to_string(rejected.size()) + " event(s) failed to process";
    }
    body["TOTAL_EVENTS"] = processed + rejected.size();
    body["PROCESSED_EVENTS"] = processed;
    boost::json::array unprocessed;
    for (const auto& item : rejected) {
        unprocessed.push_back(unprocessed_item(item));
    }
    body["UNPROCESSED_EVENTS"] = std::move(unprocessed);
    if (duplicates != 0) {
        body["DUPLICATE_EVENTS"] = duplicates;
    }
    return body;
}

boost::beast::http::status refusal_status(mg_status status) noexcept
{
    namespace bh = boost::beast::http;
    switch (status) {
    case MG_BAD_REQUEST:
    case MG_TOO_MANY_EVENTS:
        return bh::status::bad_request;
    case MG_UNAUTHORIZED:
        return bh::status::unauthorized;
    case MG_UNSUPPORTED:
        return bh::status::method_not_allowed;
    default:
        return bh::status::internal_server_error;
    }
}

boost::json::object refused_body(std::string_view error)
{
    return boost::json::object{{"error", error},
                               {"TOTAL_EVENTS", 0},
                               {"PROCESSED_EVENTS", 0},
                               {"UNPROCESSED_EVENTS", boost::json::array()}};
}

} // namespace mailgate::core::callbacks
