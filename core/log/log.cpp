#include "core/log/log.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <mutex>

namespace mailgate::core::log {
namespace {

struct state {
    std::mutex mutex;
    spdlog::sink_ptr sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    spdlog::level::level_enum level = spdlog::level::info;
};

state& shared()
{
    static state s;
    return s;
}

} // namespace

std::shared_ptr<spdlog::logger> get(const std::string& area)
{
    auto& s = shared();
    std::lock_guard lock(s.mutex);
    if (auto existing = spdlog::get(area)) {
        return existing;
    }
    auto logger = std::make_shared<spdlog::logger>(area, s.sink);
    logger->set_level(s.level);
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ [%n] %v");
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

void set_sink(spdlog::sink_ptr sink)
{
    auto& s = shared();
    std::lock_guard lock(s.mutex);
    s.sink = sink;
    spdlog::apply_all([&sink](const std::shared_ptr<spdlog::logger>& l) {
        l->sinks().assign(1, sink);
        l->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ [%n] %v");
    });
}

} // namespace mailgate::core::log
