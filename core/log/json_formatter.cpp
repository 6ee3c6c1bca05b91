#include "core/log/json_formatter.hpp"

#include "core/encoding/utf8.hpp"
#include "core/log/field.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/chrono.h>

namespace mailgate::core::log {
namespace {

boost::json::string utf8(std::string_view text)
{
    return boost::json::string(encoding::to_valid_utf8(text));
}

std::string utc_time(spdlog::log_clock::time_point time)
{
    const auto ms = std::chrono::time_point_cast<std::chrono::milliseconds>(time);
    return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", fmt::gmtime(spdlog::log_clock::to_time_t(ms)),
                       ms.time_since_epoch().count() % 1000);
}

} // namespace

void json_formatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest)
{
    boost::json::object line;
    line["time"] = utc_time(msg.time);
    const auto level = spdlog::level::to_string_view(msg.level);
    line["level"] = std::string_view(level.data(), level.size());
    line["area"] = utf8(std::string_view(msg.logger_name.data(), msg.logger_name.size()));
    line["message"] = utf8(std::string_view(msg.payload.data(), msg.payload.size()));
    for (const auto& f : attached_fields()) {
        auto& value = line[utf8(f.key)];
        std::visit(
            [&value](const auto& v) {
                if constexpr (std::is_same_v<std::decay_t<decltype(v)>, std::string_view>) {
                    value = utf8(v);
                } else {
                    value = v;
                }
            },
            f.value);
    }
    const std::string text = boost::json::serialize(line);
    dest.append(text.data(), text.data() + text.size());
    dest.push_back('\n');
}

std::unique_ptr<spdlog::formatter> json_formatter::clone() const
{
    return std::make_unique<json_formatter>();
}

} // namespace mailgate::core::log
