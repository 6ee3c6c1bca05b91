#pragma once

// `--log-format json`: one JSON object per line, for log collectors.

#include <spdlog/formatter.h>

#include <memory>

namespace mailgate::core::log {

/// Renders a line as {"time","level","area","message", ...fields} with the time in UTC
/// (RFC 3339, milliseconds) and the fields log::write attached. Bytes that are not UTF-8 become
/// U+FFFD and control characters are escaped, so every line parses and none can forge another.
class json_formatter final : public spdlog::formatter {
public:
    void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
    std::unique_ptr<spdlog::formatter> clone() const override;
};

} // namespace mailgate::core::log
