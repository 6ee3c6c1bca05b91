// An example mailgate driver. Its ESP posts one event per line, "<kind> <address>", with a
// shared token in the X-Example-Token header. docs/writing-a-driver.md walks through this file.

#include <mailgate/sdk/driver.hpp>

#include <cstdio>
#include <sstream>
#include <string>
#include <string_view>

namespace {

namespace sdk = mailgate::sdk;

// A rejected item is echoed back to the ESP inside the JSON response, so it must be JSON: here
// the line as a JSON string, whatever bytes it holds.
std::string json_string(std::string_view text)
{
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
            out += escaped;
        } else {
            out += c;
        }
    }
    return out + "\"";
}

int32_t kind_of(const std::string& word)
{
    if (word == "hard_bounce") {
        return MG_EVENT_HARD_BOUNCE;
    }
    if (word == "soft_bounce") {
        return MG_EVENT_SOFT_BOUNCE;
    }
    if (word == "delivered") {
        return MG_EVENT_DELIVERED;
    }
    return 0;
}

class example_driver final : public sdk::driver {
public:
    static constexpr const char* id = "example";
    static constexpr const char* version = "0.1.0";
    static constexpr const char* description = "Example ESP: one \"<kind> <address>\" per line";
    static constexpr uint64_t capabilities = MG_CAP_CALLBACKS;
    static constexpr uint32_t max_callback_events = 100;
    static constexpr std::array<mg_option, 1> options{
        sdk::option(MG_OPTION_STRING, "token", "the shared callback token", nullptr,
                    MG_OPTION_REQUIRED | MG_OPTION_SECRET),
    };

    example_driver(const sdk::config_view& config, sdk::host_context host)
        : driver(host), token_(config.string("token"))
    {
        if (token_.size() < 16) {
            throw sdk::config_error("token", "must be at least 16 characters");
        }
    }

    // Runs on any I/O thread, concurrently with itself: it reads the instance, never changes it.
    void parse_callback(const sdk::callback_request& request, const sdk::callback_sink& sink) const
    {
        // Operators and some ESPs probe a callback URL with HEAD, without credentials.
        if (request.method() == "HEAD") {
            return;
        }
        // Before the body is read: an unauthenticated caller learns nothing about the format.
        if (!sdk::constant_time_equals(request.header("X-Example-Token").value_or(""), token_)) {
            throw sdk::unauthorized("missing or wrong X-Example-Token");
        }
        std::istringstream lines{std::string(request.body())};
        for (std::string line; std::getline(lines, line);) {
            std::istringstream words(line);
            std::string kind, address;
            words >> kind >> address;
            if (kind_of(kind) == 0 || address.find('@') == std::string::npos) {
                sink.reject(json_string(line), sdk::responses::unmapped_event);
                continue;
            }
            sdk::event e;
            e.kind = kind_of(kind);
            e.email = address;
            sink.emit(e);
        }
    }

private:
    std::string token_;
};

} // namespace

MAILGATE_DRIVER(example_driver)
