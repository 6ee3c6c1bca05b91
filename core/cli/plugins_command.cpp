#include "core/cli/command_options.hpp"

#include "core/config/config_error.hpp"
#include "core/config/gateway_config.hpp"
#include "core/plugin/driver_registry.hpp"

#include <fmt/format.h>

#include <iostream>

namespace mailgate::core::cli {
namespace {

std::string capability_names(uint64_t caps)
{
    std::string out;
    auto add = [&out](const char* name) { out += (out.empty() ? "" : ", ") + std::string(name); };
    if ((caps & MG_CAP_CALLBACKS) != 0) {
        add("callbacks");
    }
    if ((caps & MG_CAP_DECORATE) != 0) {
        add("decorate");
    }
    if ((caps & MG_CAP_SMTP) != 0) {
        add("smtp");
    }
    return out.empty() ? "none" : out;
}

std::string option_traits(const plugin::option_spec& o)
{
    std::string traits = o.required ? "required" : "";
    if (o.secret) {
        traits += (traits.empty() ? "" : ", ") + std::string("secret");
    }
    if (o.default_value) {
        traits += (traits.empty() ? "" : ", ") + fmt::format("default \"{}\"", *o.default_value);
    }
    return traits;
}

void print_driver(const plugin::driver_library& d)
{
    const mg_driver& desc = d.descriptor();
    std::cout << fmt::format("{} {}\n", d.id(), d.version())
              << fmt::format("  {}\n", desc.description)
              << fmt::format("  file:          {}\n", d.file().string())
              << fmt::format("  ABI:           {}.{}\n", desc.abi_major, desc.abi_minor)
              << fmt::format("  capabilities:  {}\n", capability_names(desc.capabilities))
              << fmt::format("  max events:    {}\n",
                             desc.max_callback_events == 0
                                 ? std::string("no count limit")
                                 : std::to_string(desc.max_callback_events) + " per callback");
    std::cout << "  options:\n";
    for (const auto& o : d.options()) {
        std::cout << fmt::format("    {:<20} {:<7} {:<28} {}\n", o.name,
                                 plugin::option_type_name(o.type), option_traits(o), o.description);
    }
}

std::filesystem::path plugins_directory(const command_options& options)
{
    if (options.plugins_directory) {
        return *options.plugins_directory;
    }
    if (!options.config_given && !std::filesystem::exists(options.config_file)) {
        return config::default_plugins_directory();
    }
    return config::load_config(options.config_file).plugins_directory;
}

// One file, as the gateway's loader judges it: the same load a folder scan does per file.
int check_one(const std::filesystem::path& file)
{
    std::cout << fmt::format("host ABI {}.{}\n\n", MG_ABI_VERSION_MAJOR, MG_ABI_VERSION_MINOR);
    std::shared_ptr<const plugin::driver_library> library;
    try {
        library = plugin::driver_library::load(file);
    } catch (const plugin::load_error& e) {
        std::cout << fmt::format("refused {}: {}\n", file.string(), e.what());
        return 1;
    }
    print_driver(*library);
    std::cout << "\naccepted: the gateway loads this driver\n";
    return 0;
}

} // namespace

int run_plugins(const command_options& options)
{
    if (options.check_file) {
        // Absolute: dlopen searches the library path for a bare file name.
        return check_one(std::filesystem::absolute(*options.check_file));
    }
    const auto registry = plugin::driver_registry::scan(plugins_directory(options));
    std::cout << fmt::format("plugins folder {}: {} driver(s) loaded, host ABI {}.{}\n\n",
                             registry.directory().string(), registry.drivers().size(),
                             MG_ABI_VERSION_MAJOR, MG_ABI_VERSION_MINOR);
    for (const auto& d : registry.drivers()) {
        print_driver(*d);
        std::cout << "\n";
    }
    for (const auto& f : registry.failures()) {
        std::cout << fmt::format("skipped {}: {}\n", f.file.string(), f.reason);
    }
    return 0;
}

} // namespace mailgate::core::cli
