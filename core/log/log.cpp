#include "core/log/log.hpp"

#include "core/encoding/hex_escape.hpp"
#include "core/encoding/utf8.hpp"
#include "core/log/json_formatter.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <fmt/format.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <mutex>

namespace mailgate::core::log {
namespace {

// %* is the message with its control characters escaped: text from a server, a driver or a
// request (an SMTP reply, an exception's message) cannot forge a line or drive a terminal.
constexpr const char* text_pattern = "%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ [%n] %*";

class escaped_message final : public spdlog::custom_flag_formatter {
public:
    void format(const spdlog::details::log_msg& msg, const std::tm& /*time*/,
                spdlog::memory_buf_t& dest) override
    {
        const auto text =
            encoding::escape_controls(std::string_view(msg.payload.data(), msg.payload.size()));
        dest.append(text.data(), text.data() + text.size());
    }

    std::unique_ptr<custom_flag_formatter> clone() const override
    {
        return std::make_unique<escaped_message>();
    }
};

std::unique_ptr<spdlog::formatter> make_formatter(format f)
{
    if (f == format::json) {
        return std::make_unique<json_formatter>();
    }
    auto text = std::make_unique<spdlog::pattern_formatter>();
    text->add_flag<escaped_message>('*').set_pattern(text_pattern);
    return text;
}

struct state {
    state() { sink->set_formatter(make_formatter(format::text)); }

    std::mutex mutex;
    spdlog::sink_ptr sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    spdlog::level::level_enum level = spdlog::level::info;
    std::atomic<format> line_format = format::text; ///< also read by write(), unlocked
};

state& shared()
{
    static state s;
    return s;
}

// A word a reader (and a key=value parser) takes as is; anything else is quoted.
bool plain_word(std::string_view text)
{
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               std::string_view("._-/{}:@").find(c) != std::string_view::npos;
    });
}

std::string text_value(const field& f)
{
    if (const auto* s = std::get_if<std::string_view>(&f.value)) {
        return plain_word(*s)
                   ? std::string(*s)
                   : boost::json::serialize(boost::json::string(encoding::to_valid_utf8(*s)));
    }
    return std::to_string(std::get<std::int64_t>(f.value));
}

} // namespace

std::optional<format> parse_format(std::string_view name)
{
    if (name == "text") {
        return format::text;
    }
    if (name == "json") {
        return format::json;
    }
    return std::nullopt;
}

std::shared_ptr<spdlog::logger> get(const std::string& area)
{
    auto& s = shared();
    std::lock_guard lock(s.mutex);
    if (auto existing = spdlog::get(area)) {
        return existing;
    }
    auto logger = std::make_shared<spdlog::logger>(area, s.sink);
    logger->set_level(s.level);
    spdlog::register_logger(logger);
    return logger;
}

void set_level(spdlog::level::level_enum level)
{
    auto& s = shared();
    std::lock_guard lock(s.mutex);
    s.level = level;
    spdlog::apply_all([level](const std::shared_ptr<spdlog::logger>& l) { l->set_level(level); });
}

void set_format(format f)
{
    auto& s = shared();
    std::lock_guard lock(s.mutex);
    s.line_format = f;
    s.sink->set_formatter(make_formatter(f));
}

void set_sink(spdlog::sink_ptr sink)
{
    auto& s = shared();
    std::lock_guard lock(s.mutex);
    s.sink = sink;
    s.sink->set_formatter(make_formatter(s.line_format));
    spdlog::apply_all(
        [&sink](const std::shared_ptr<spdlog::logger>& l) { l->sinks().assign(1, sink); });
}

void write(spdlog::logger& logger, spdlog::level::level_enum level, std::string_view message,
           std::initializer_list<field> fields)
{
    write(logger, level, message, std::span<const field>(fields.begin(), fields.size()));
}

void write(spdlog::logger& logger, spdlog::level::level_enum level, std::string_view message,
           std::span<const field> fields)
{
    if (!logger.should_log(level)) {
        return;
    }
    if (shared().line_format == format::json) {
        // The JSON formatter reads the fields back as members of the line.
        fields_scope scope(fields);
        logger.log(level, "{}", message);
        return;
    }
    std::string text(message);
    for (const auto& f : fields) {
        fmt::format_to(std::back_inserter(text), " {}={}", f.key, text_value(f));
    }
    logger.log(level, "{}", text);
}

} // namespace mailgate::core::log
