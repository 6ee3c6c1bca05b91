#pragma once

// What every driver test checks of a callback: the response texts (as literals, so a changed
// text in the SDK fails the tests) and the rejected items.

#include <mailgate/sdk/testing/fake_host.hpp>

#include <ostream>
#include <string>
#include <vector>

namespace mailgate::test {

inline constexpr const char* unreadable_body = "Exception occurred while reading input stream";
inline constexpr const char* missing_parameters =
    "Bad request. Some mandatory parameters were missing.";
inline constexpr const char* too_many_events = "More than allowed events received.";
inline constexpr const char* unmapped_event = "Could not map event to any bounce type";

struct rejection {
    std::string item_json;
    std::string reason;

    bool operator==(const rejection&) const = default;
};

inline std::ostream& operator<<(std::ostream& out, const rejection& r)
{
    return out << "{" << r.item_json << ", " << r.reason << "}";
}

inline std::vector<rejection> rejections(const sdk::testing::callback_result& result)
{
    std::vector<rejection> out;
    for (const auto& r : result.rejected) {
        out.push_back({r.item_json, r.reason});
    }
    return out;
}

} // namespace mailgate::test
