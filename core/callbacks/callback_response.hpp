#pragma once

// The JSON answer to a callback, in the shape ESPs integrated with the gateway know
// (docs/http-api.md): TOTAL_EVENTS, PROCESSED_EVENTS, UNPROCESSED_EVENTS, and `error`.

#include "core/plugin/parsed_callback.hpp"

#include <boost/beast/http/status.hpp>
#include <boost/json/object.hpp>

#include <string_view>
#include <vector>

namespace mailgate::core::callbacks {

/// A processed callback: `processed` items were events (stored or already stored), the
/// `rejected` ones are echoed with their errorDescription.
boost::json::object processed_body(std::size_t processed, std::size_t duplicates,
                                   const std::vector<plugin::rejected_item>& rejected);

/// The HTTP status of a callback the driver refused with `status` (not MG_OK).
boost::beast::http::status refusal_status(mg_status status) noexcept;

/// A refused callback: nothing was processed.
boost::json::object refused_body(std::string_view error);

} // namespace mailgate::core::callbacks
