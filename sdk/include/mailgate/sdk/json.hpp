#pragma once

/// Helpers for drivers that read JSON callbacks with Boost.JSON. Optional: a driver that
/// includes this header needs Boost.JSON, compiled into the driver itself by including
/// <boost/json/src.hpp> in one of its sources (the version script keeps it private).
/// THREAD: any; nothing here keeps state.

#include <mailgate/sdk/error.hpp>
#include <mailgate/sdk/responses.hpp>

#include <boost/json.hpp>

#include <cmath>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace mailgate::sdk {

/// A callback format nests a few levels; the cap leaves room for extra fields and turns hostile
/// nesting into a clean parse error instead of work and memory that grow with it.
inline constexpr std::size_t max_json_depth = 32;

/// Parses a callback body into `storage` (a monotonic arena per call is the usual choice).
/// Throws bad_request(responses::unreadable_body) for anything that is not JSON within the
/// depth limit, including invalid UTF-8.
inline boost::json::value parse_json_body(std::string_view body, boost::json::storage_ptr storage)
{
    boost::json::parse_options options;
    options.max_depth = max_json_depth;
    boost::json::error_code ec;
    boost::json::value root = boost::json::parse(body, ec, std::move(storage), options);
    if (ec) {
        throw bad_request(responses::unreadable_body);
    }
    return root;
}

namespace detail {

// Boost.JSON reads a literal beyond double's range (1e400) as infinity, which it would then
// serialize as a non-JSON token. The recursion is as deep as the parse allowed.
inline void null_non_finite(boost::json::value& value)
{
    if (value.is_double() && !std::isfinite(value.get_double())) {
        value = nullptr;
    } else if (value.is_array()) {
        for (boost::json::value& element : value.get_array()) {
            null_non_finite(element);
        }
    } else if (value.is_object()) {
        for (boost::json::key_value_pair& field : value.get_object()) {
            null_non_finite(field.value());
        }
    }
}

} // namespace detail

/// The string at `key` in `fields`, viewing into `fields` (valid while it lives); nothing when
/// the key is absent or holds another type.
inline std::optional<std::string_view> string_field(const boost::json::object& fields,
                                                    std::string_view key)
{
    const boost::json::value* value = fields.if_contains(key);
    if (value == nullptr || !value->is_string()) {
        return std::nullopt;
    }
    return std::string_view(value->get_string());
}

/// The object at `key` in `fields`, pointing into `fields`; null when the key is absent or
/// holds another type.
inline const boost::json::object* object_field(const boost::json::object& fields,
                                               std::string_view key)
{
    const boost::json::value* value = fields.if_contains(key);
    return value != nullptr ? value->if_object() : nullptr;
}

/// An item as received, as JSON text for callback_sink::reject: the ESP finds it again in the
/// response. Numbers beyond double's range become null, so the echo stays JSON.
inline std::string echo_json(boost::json::value item)
{
    detail::null_non_finite(item);
    return boost::json::serialize(item);
}

} // namespace mailgate::sdk
