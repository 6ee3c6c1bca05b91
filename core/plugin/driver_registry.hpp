#pragma once

// The drivers found in the plugins folder. A file that cannot be used is skipped with one log
// line naming it and the reason; the others load.

#include "core/plugin/driver_library.hpp"

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mailgate::core::plugin {

struct load_failure {
    std::filesystem::path file;
    std::string reason;
};

class driver_registry {
public:
    /// Loads every `mailgate-*.so` in `directory`, in file-name order, so which of two files
    /// with the same driver id wins does not depend on the file system.
    static driver_registry scan(const std::filesystem::path& directory);

    /// The driver with this id, or null.
    std::shared_ptr<const driver_library> find(std::string_view id) const;

    /// Loaded drivers, by id.
    const std::vector<std::shared_ptr<const driver_library>>& drivers() const noexcept
    {
        return drivers_;
    }
    const std::vector<load_failure>& failures() const noexcept { return failures_; }
    const std::filesystem::path& directory() const noexcept { return directory_; }

private:
    void add(const std::filesystem::path& file);
    void fail(const std::filesystem::path& file, std::string reason);

    std::filesystem::path directory_;
    std::vector<std::shared_ptr<const driver_library>> drivers_;
    std::vector<load_failure> failures_;
};

} // namespace mailgate::core::plugin
