#include "tools/conformance/descriptor_checks.hpp"

#include "core/plugin/abi_check.hpp"
#include "tools/conformance/symbol_check.hpp"

#include <optional>
#include <regex>
#include <string>

namespace mailgate::conformance {
namespace {

using core::plugin::option_spec;
using problem = std::optional<std::string>;

bool one_line(const std::string& text)
{
    return !text.empty() && text.find_first_of("\r\n") == std::string::npos;
}

// The gateway accepts any non-empty version; operators compare versions, so the kit wants
// semver.
problem metadata_problem(const mg_driver& d)
{
    if (auto p = core::plugin::metadata_problem(d)) {
        return p;
    }
    static const std::regex semver(
        R"((0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)([-+][0-9A-Za-z.+-]+)?)");
    if (!std::regex_match(d.version, semver)) {
        return "version '" + std::string(d.version) + "' is not semver (MAJOR.MINOR.PATCH)";
    }
    if (!one_line(d.description)) {
        return "description is empty or not one line";
    }
    return std::nullopt;
}

// `mailgate plugins` renders each option with its description: a missing one leaves the
// operator guessing.
problem options_problem(const mg_driver& d)
{
    std::vector<option_spec> table;
    try {
        table = core::plugin::read_option_table(d);
    } catch (const std::runtime_error& e) {
        return std::string(e.what());
    }
    for (const auto& o : table) {
        if (!one_line(o.description)) {
            return "option '" + o.name + "' has no one-line description";
        }
    }
    return std::nullopt;
}

void add(check_report& report, const std::string& name, const problem& p, std::string ok)
{
    report.add(name, p ? verdict::fail : verdict::pass, p ? *p : std::move(ok));
}

std::string join(const std::vector<std::string>& names)
{
    std::string out;
    for (const auto& n : names) {
        out += (out.empty() ? "" : " ") + n;
    }
    return out.empty() ? "nothing" : out;
}

} // namespace

void check_symbols(const std::filesystem::path& file, check_report& report)
{
    try {
        const auto names = exported_symbols(file);
        const bool only_entry = names.size() == 1 && names[0] == MG_DRIVER_ENTRY_SYMBOL;
        report.add("symbols", only_entry ? verdict::pass : verdict::fail,
                   only_entry ? "exports only " MG_DRIVER_ENTRY_SYMBOL
                              : "exports " + join(names) +
                                    " (only " MG_DRIVER_ENTRY_SYMBOL " may be exported)");
    } catch (const std::runtime_error& e) {
        report.add("symbols", verdict::fail, e.what());
    }
}

bool check_descriptor(const core::plugin::opened_driver& opened, check_report& report)
{
    const mg_driver& d = *opened.descriptor;
    const problem abi = core::plugin::abi_version_problem(d);
    add(report, "abi", abi,
        "ABI " + std::to_string(d.abi_major) + "." + std::to_string(d.abi_minor) + " (host " +
            std::to_string(MG_ABI_VERSION_MAJOR) + "." + std::to_string(MG_ABI_VERSION_MINOR) +
            ")");
    if (abi) {
        for (const char* name : {"descriptor.id", "descriptor.metadata", "descriptor.functions",
                                 "descriptor.capabilities", "descriptor.options"}) {
            report.skip(name, "the descriptor is not laid out as this host's ABI");
        }
        return false;
    }
    const problem checks[] = {core::plugin::id_problem(d), metadata_problem(d),
                              core::plugin::lifecycle_problem(d),
                              core::plugin::capability_problem(d), options_problem(d)};
    add(report, "descriptor.id", checks[0], checks[0] ? "" : d.id);
    add(report, "descriptor.metadata", checks[1], checks[1] ? "" : d.version);
    add(report, "descriptor.functions", checks[2], "create and destroy are set");
    add(report, "descriptor.capabilities", checks[3], "capabilities match the functions");
    add(report, "descriptor.options", checks[4],
        std::to_string(d.option_count) + " option(s), all sane");
    for (const auto& p : checks) {
        if (p) {
            return false;
        }
    }
    return true;
}

} // namespace mailgate::conformance
