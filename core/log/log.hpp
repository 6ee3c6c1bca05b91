#pragma once

// The core's logging: one spdlog logger per area ("plugin", "config", "http", ...), all writing
// to one shared sink, as human-readable text or as one JSON object per line. Drivers never see
// spdlog; their lines reach it through the host API.

#include "core/log/field.hpp"

#include <spdlog/logger.h>

#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace mailgate::core::log {

enum class format { text, json };

/// "text" or "json"; nullopt for anything else.
std::optional<format> parse_format(std::string_view name);

/// The logger for an area, created on first use. THREAD: any.
std::shared_ptr<spdlog::logger> get(const std::string& area);

/// Sets the level of every logger, present and future.
void set_level(spdlog::level::level_enum level);

/// Sets the line format of every logger, present and future. Call before serving: a line being
/// written on another thread may still come out in the old format.
void set_format(format f);

/// Sends every logger's output to `sink` instead (tests capture lines this way).
void set_sink(spdlog::sink_ptr sink);

/// Logs `message` with structured `fields`: in text as ` key=value` after the message (a value
/// quoted as a JSON string unless it is a plain word), in JSON as members of the line's object.
/// THREAD: any.
void write(spdlog::logger& logger, spdlog::level::level_enum level, std::string_view message,
           std::initializer_list<field> fields);
/// The same, for fields gathered at run time.
void write(spdlog::logger& logger, spdlog::level::level_enum level, std::string_view message,
           std::span<const field> fields);

} // namespace mailgate::core::log
