#include "core/plugin/driver_registry.hpp"

#include "core/log/log.hpp"

#include <algorithm>

namespace mailgate::core::plugin {
namespace {

bool is_driver_file(const std::filesystem::directory_entry& entry)
{
    const std::string name = entry.path().filename().string();
    return name.size() > 12 && name.rfind("mailgate-", 0) == 0 &&
           name.compare(name.size() - 3, 3, ".so") == 0;
}

std::vector<std::filesystem::path> driver_files(const std::filesystem::path& directory)
{
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(directory)) {
        if (is_driver_file(entry)) {
            files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

} // namespace

driver_registry driver_registry::scan(const std::filesystem::path& directory)
{
    driver_registry registry;
    registry.directory_ = directory;
    std::error_code ec;
    if (!std::filesystem::is_directory(directory, ec)) {
        registry.fail(directory, "the plugins folder does not exist or is not a folder");
        return registry;
    }
    for (const auto& file : driver_files(directory)) {
        registry.add(file);
    }
    std::sort(registry.drivers_.begin(), registry.drivers_.end(),
              [](const auto& a, const auto& b) { return a->id() < b->id(); });
    return registry;
}

void driver_registry::add(const std::filesystem::path& file)
{
    std::shared_ptr<const driver_library> library;
    try {
        library = driver_library::load(file);
    } catch (const load_error& e) {
        fail(file, e.what());
        return;
    }
    if (auto existing = find(library->id())) {
        fail(file, "duplicate driver id '" + library->id() + "', already loaded from " +
                       existing->file().string());
        return;
    }
    log::get("plugin")->info("{}: loaded driver {} (ABI {}.{})", file.string(), library->label(),
                             library->descriptor().abi_major, library->descriptor().abi_minor);
    drivers_.push_back(std::move(library));
}

void driver_registry::fail(const std::filesystem::path& file, std::string reason)
{
    log::get("plugin")->error("{}: skipped: {}", file.string(), reason);
    failures_.push_back({file, std::move(reason)});
}

std::shared_ptr<const driver_library> driver_registry::find(std::string_view id) const
{
    auto it = std::find_if(drivers_.begin(), drivers_.end(),
                           [id](const auto& d) { return d->id() == id; });
    return it == drivers_.end() ? nullptr : *it;
}

} // namespace mailgate::core::plugin
