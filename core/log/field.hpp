#pragma once

// Structured fields of a log line (a request line's route, status, duration...). log::write
// attaches them to the calling thread while the line is formatted, which spdlog's synchronous
// loggers do on that same thread; the JSON formatter reads them back as members.

#include <cstdint>
#include <span>
#include <string_view>
#include <variant>

namespace mailgate::core::log {

/// One field. The key and any string value are borrowed for the call that logs them. Never a
/// secret: fields are written as they are.
struct field {
    std::string_view key;
    std::variant<std::string_view, std::int64_t> value;
};

/// The fields of the line being logged on this thread; empty outside log::write.
std::span<const field> attached_fields();

/// Attaches `fields` to this thread for its lifetime. THREAD: the logging thread only.
class fields_scope {
public:
    explicit fields_scope(std::span<const field> fields);
    ~fields_scope();
    fields_scope(const fields_scope&) = delete;
    fields_scope& operator=(const fields_scope&) = delete;

private:
    std::span<const field> previous_;
};

} // namespace mailgate::core::log
