#pragma once

// The core's logging: one spdlog logger per area ("plugin", "config", "http", ...), all writing
// to one shared sink. Drivers never see spdlog; their lines reach it through the host API.

#include <spdlog/logger.h>

#include <memory>
#include <string>

namespace mailgate::core::log {

/// The logger for an area, created on first use. THREAD: any.
std::shared_ptr<spdlog::logger> get(const std::string& area);

/// Sets the level of every logger, present and future.
void set_level(spdlog::level::level_enum level);

/// Sends every logger's output to `sink` instead (tests capture lines this way).
void set_sink(spdlog::sink_ptr sink);

} // namespace mailgate::core::log
