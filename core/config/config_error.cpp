#include "core/config/config_error.hpp"

namespace mailgate::core::config {
namespace {

std::string join(const std::vector<std::string>& lines)
{
    std::string out;
    for (const auto& line : lines) {
        out += (out.empty() ? "" : "\n") + line;
    }
    return out;
}

} // namespace

config_error::config_error(std::vector<std::string> problems)
    : std::runtime_error(join(problems)), problems_(std::move(problems))
{
}

} // namespace mailgate::core::config
