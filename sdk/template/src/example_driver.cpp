// An example mailgate driver. Its ESP posts one event per line, "<kind> <address>", with a
// shared token in the X-Example-Token header.

#include <mailgate/sdk/driver.hpp>

#include <sstream>
#include <string>

namespace {

namespace sdk = mailgate::sdk;

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

    void parse_callback(const sdk::callback_request& request, const sdk::callback_sink& sink) const
    {
        if (!sdk::constant_time_equals(request.header("X-Example-Token").value_or(""), token_)) {
            throw sdk::unauthorized("missing or wrong X-Example-Token");
        }
        std::istringstream lines{std::string(request.body())};
        for (std::string line; std::getline(lines, line);) {
            std::istringstream words(line);
            std::string kind, address;
            words >> kind >> address;
            if (kind_of(kind) == 0 || address.find('@') == std::string::npos) {
                sink.reject("\"" + line + "\"", "Could not map event to any bounce type");
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
