#pragma once

// Captures what the core logs while it lives, for tests that assert on log lines.

#include "core/log/log.hpp"

#include <spdlog/sinks/ostream_sink.h>

#include <iostream>
#include <sstream>
#include <string>

namespace mailgate::test {

class captured_log {
public:
    captured_log() { core::log::set_sink(std::make_shared<spdlog::sinks::ostream_sink_mt>(out_)); }
    ~captured_log()
    {
        core::log::set_sink(std::make_shared<spdlog::sinks::ostream_sink_mt>(std::cerr));
    }
    captured_log(const captured_log&) = delete;
    captured_log& operator=(const captured_log&) = delete;

    std::string text() const { return out_.str(); }

private:
    std::ostringstream out_;
};

} // namespace mailgate::test
