#pragma once

// One loaded driver .so: the library handle, its checked descriptor and its option table.
// Shared by every instance created from it, so the code stays mapped while any of them lives.

#include "core/plugin/option_spec.hpp"

#include <mailgate/sdk/abi.h>

#include <boost/dll/shared_library.hpp>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace mailgate::core::plugin {

/// Why a file could not be used as a driver; what() is the reason alone (the caller names the
/// file).
class load_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// A driver file opened and its entry called, its descriptor not checked yet: read nothing
/// but the ABI head of `descriptor` before abi_version_problem() passed. Owns the library.
struct opened_driver {
    boost::dll::shared_library library;
    const mg_driver* descriptor = nullptr;
    std::filesystem::path file;
};

class driver_library {
public:
    /// Opens `file` (RTLD_NOW | RTLD_LOCAL), calls mg_driver_entry with the host table and
    /// checks the descriptor before anything else: open() then accept(). Throws load_error.
    static std::shared_ptr<const driver_library> load(const std::filesystem::path& file);

    /// The first half of load(), for tools that judge each check themselves (the conformance
    /// kit). Calls the entry once. Throws load_error.
    static opened_driver open(const std::filesystem::path& file);
    /// The second half of load(): the gateway's checks on the descriptor and its option table.
    /// Throws load_error.
    static std::shared_ptr<const driver_library> accept(opened_driver opened);

    driver_library(const driver_library&) = delete;
    driver_library& operator=(const driver_library&) = delete;

    const mg_driver& descriptor() const noexcept { return *descriptor_; }
    std::string id() const { return descriptor_->id; }
    std::string version() const { return descriptor_->version; }
    /// "id@version", the driver's name in logs.
    std::string label() const { return id() + "@" + version(); }
    const std::vector<option_spec>& options() const noexcept { return options_; }
    const std::filesystem::path& file() const noexcept { return file_; }

private:
    driver_library(boost::dll::shared_library library, const mg_driver* descriptor,
                   std::vector<option_spec> options, std::filesystem::path file);

    boost::dll::shared_library library_;
    const mg_driver* descriptor_;
    std::vector<option_spec> options_;
    std::filesystem::path file_;
};

} // namespace mailgate::core::plugin
