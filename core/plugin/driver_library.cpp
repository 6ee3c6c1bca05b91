#include "core/plugin/driver_library.hpp"

#include "core/plugin/abi_check.hpp"
#include "core/plugin/elf_check.hpp"
#include "core/plugin/host_api.hpp"

#include <system_error>

namespace mailgate::core::plugin {
namespace {

// Boost.DLL wraps dlerror's text ("<file>: invalid ELF header", a missing dependency, ...) in
// its own words; the dlerror part is what tells an operator what is wrong with the file.
std::string dlerror_text(const std::string& what)
{
    const std::string marker = "dlerror system message: ";
    const auto start = what.find(marker);
    const auto end = what.rfind("): ");
    if (start == std::string::npos || end == std::string::npos || end < start) {
        return what;
    }
    return what.substr(start + marker.size(), end - start - marker.size());
}

boost::dll::shared_library open_library(const std::filesystem::path& file)
{
    // dlopen maps a truncated file's segments past its end and dies of SIGBUS touching them.
    if (auto problem = elf_problem(file)) {
        throw load_error(*problem);
    }
    try {
        return boost::dll::shared_library(file.string(), boost::dll::load_mode::rtld_now |
                                                             boost::dll::load_mode::rtld_local);
    } catch (const std::system_error& e) {
        throw load_error("cannot load: " + dlerror_text(e.what()));
    }
}

} // namespace

driver_library::driver_library(boost::dll::shared_library library, const mg_driver* descriptor,
                               std::vector<option_spec> options, std::filesystem::path file)
    : library_(std::move(library)), descriptor_(descriptor), options_(std::move(options)),
      file_(std::move(file))
{
}

std::shared_ptr<const driver_library> driver_library::load(const std::filesystem::path& file)
{
    return accept(open(file));
}

opened_driver driver_library::open(const std::filesystem::path& file)
{
    boost::dll::shared_library library = open_library(file);
    if (!library.has(MG_DRIVER_ENTRY_SYMBOL)) {
        throw load_error("no " MG_DRIVER_ENTRY_SYMBOL " symbol: not a mailgate driver");
    }
    auto& entry = library.get<const mg_driver*(const mg_host_api*)>(MG_DRIVER_ENTRY_SYMBOL);
    const mg_driver* descriptor = entry(host_api());
    if (descriptor == nullptr) {
        throw load_error(MG_DRIVER_ENTRY_SYMBOL " returned no descriptor");
    }
    return opened_driver{std::move(library), descriptor, file};
}

std::shared_ptr<const driver_library> driver_library::accept(opened_driver opened)
{
    if (auto problem = abi_problem(*opened.descriptor)) {
        throw load_error(*problem);
    }
    std::vector<option_spec> options;
    try {
        options = read_option_table(*opened.descriptor);
    } catch (const std::runtime_error& e) {
        throw load_error(std::string("bad option table: ") + e.what());
    }
    return std::shared_ptr<const driver_library>(new driver_library(
        std::move(opened.library), opened.descriptor, std::move(options), std::move(opened.file)));
}

} // namespace mailgate::core::plugin
