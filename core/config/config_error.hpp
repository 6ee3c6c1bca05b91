#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace mailgate::core::config {

/// A configuration that cannot be used. Carries every problem found, each one line that
/// starts with `file:line:column:` and names the field; what() joins them.
class config_error : public std::runtime_error {
public:
    explicit config_error(std::vector<std::string> problems);

    const std::vector<std::string>& problems() const noexcept { return problems_; }

private:
    std::vector<std::string> problems_;
};

} // namespace mailgate::core::config
