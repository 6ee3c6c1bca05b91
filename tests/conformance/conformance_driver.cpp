// The kit's own test subject: a small driver that passes every check, built once as is and
// once per defect (CONFORMANCE_DEFECT), each defect made to fail exactly one of the kit's
// checks. Its callback body is one item per line: "EVENT EMAIL [META]".

#include <mailgate/sdk/driver.hpp>

#include <csignal>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#define DEFECT_NONE 0
#define DEFECT_BAD_ID 1
#define DEFECT_BAD_OPTIONS 2
#define DEFECT_CAPABILITY_WITHOUT_FUNCTION 3
#define DEFECT_EXTRA_EXPORT 4
#define DEFECT_CRASH_ON_10MB 5
#define DEFECT_THROW_ON_DEEP_NESTING 6
#define DEFECT_HANG_ON_WRONG_CONTENT_TYPE 7
#define DEFECT_LEAK_ON_EMPTY 8
#define DEFECT_WRONG_EVENTS 9

#ifndef CONFORMANCE_DEFECT
#define CONFORMANCE_DEFECT DEFECT_NONE
#endif

namespace {

namespace sdk = mailgate::sdk;

class conformance_driver final : public sdk::driver {
public:
    static constexpr const char* id = "conformance_subject";
    static constexpr const char* version = "1.0.0";
    static constexpr const char* description = "The conformance kit's test subject";
    static constexpr uint64_t capabilities = MG_CAP_CALLBACKS;
    static constexpr uint32_t max_callback_events = 10;
    static constexpr std::array<mg_option, 1> options{
        sdk::option(MG_OPTION_STRING, "token", "the X-Token every callback carries", nullptr,
                    MG_OPTION_REQUIRED | MG_OPTION_SECRET),
    };

    conformance_driver(const sdk::config_view& config, sdk::host_context host)
        : driver(host), token_(config.string("token"))
    {
    }

    void parse_callback(const sdk::callback_request& request, const sdk::callback_sink& sink) const
    {
        misbehave(request);
        if (request.method() != "POST") {
            throw sdk::error(MG_UNSUPPORTED, "POST only");
        }
        // A plain compare is fine for a test subject; real drivers use sdk::constant_time_equal.
        if (request.header("X-Token").value_or("") != token_) {
            throw sdk::unauthorized("bad token");
        }
        std::istringstream lines{std::string(request.body())};
        for (std::string line; std::getline(lines, line);) {
            parse_line(line, sink);
        }
    }

private:
    static void parse_line(const std::string& line, const sdk::callback_sink& sink)
    {
        std::istringstream words(line);
        std::string event, email, meta;
        words >> event >> email >> meta;
        if (email.empty()) {
            throw sdk::bad_request("each line is EVENT EMAIL [META]");
        }
        const std::string item = "{\"line\":\"" + event + " " + email + "\"}";
        sdk::event e;
        if (event == "delivered") {
            e.kind = MG_EVENT_DELIVERED;
        } else if (event == "bounce") {
            e.kind = CONFORMANCE_DEFECT == DEFECT_WRONG_EVENTS ? MG_EVENT_SOFT_BOUNCE
                                                               : MG_EVENT_HARD_BOUNCE;
        } else {
            return sink.reject(item, "Could not map event to any bounce type");
        }
        if (!meta.empty() && !sink.verify_meta(meta, email)) {
            return sink.reject(item, "invalid meta");
        }
        e.email = email;
        e.meta = meta;
        sink.emit(e);
    }

    static void misbehave([[maybe_unused]] const sdk::callback_request& request)
    {
#if CONFORMANCE_DEFECT == DEFECT_CRASH_ON_10MB
        if (request.body().size() > 5 * 1024 * 1024) {
            std::raise(SIGSEGV);
        }
#elif CONFORMANCE_DEFECT == DEFECT_THROW_ON_DEEP_NESTING
        if (request.body().substr(0, 4) == "[[[[") {
            throw std::runtime_error("nesting too deep for this driver");
        }
#elif CONFORMANCE_DEFECT == DEFECT_HANG_ON_WRONG_CONTENT_TYPE
        if (request.header("Content-Type").value_or("") == "application/x-unknown") {
            std::this_thread::sleep_for(std::chrono::hours(1));
        }
#elif CONFORMANCE_DEFECT == DEFECT_LEAK_ON_EMPTY
        if (request.body().empty() && request.method() == "POST") {
            char* leaked = new char[64];
            // Keeps the compiler from eliding the allocation; the pointer is then dropped.
            asm volatile("" : : "r"(leaked) : "memory");
        }
#endif
    }

    std::string token_;
};

} // namespace

#if CONFORMANCE_DEFECT == DEFECT_EXTRA_EXPORT
extern "C" __attribute__((visibility("default"))) int conformance_extra_symbol()
{
    return 1;
}
#endif

#if CONFORMANCE_DEFECT == DEFECT_BAD_ID || CONFORMANCE_DEFECT == DEFECT_BAD_OPTIONS ||             \
    CONFORMANCE_DEFECT == DEFECT_CAPABILITY_WITHOUT_FUNCTION
// The SDK's descriptor cannot be wrong in these ways: edit a copy of it.
namespace {
constexpr std::array<mg_option, 2> duplicate_options{
    sdk::option(MG_OPTION_STRING, "token", "the token", nullptr, MG_OPTION_REQUIRED),
    sdk::option(MG_OPTION_STRING, "token", "the token again", nullptr, MG_OPTION_REQUIRED),
};
} // namespace

extern "C" __attribute__((visibility("default"))) const mg_driver*
mg_driver_entry(const mg_host_api* host) noexcept
{
    static mg_driver d = [host] {
        mg_driver copy = *sdk::detail::entry<conformance_driver>(host);
#if CONFORMANCE_DEFECT == DEFECT_BAD_ID
        copy.id = "Conformance-Subject";
#elif CONFORMANCE_DEFECT == DEFECT_BAD_OPTIONS
        copy.options = duplicate_options.data();
        copy.option_count = duplicate_options.size();
#else
        copy.capabilities |= MG_CAP_DECORATE;
#endif
        return copy;
    }();
    return &d;
}
#else
MAILGATE_DRIVER(conformance_driver)
#endif
