#include "core/plugin/abi_check.hpp"

#include <cstddef>
#include <regex>

namespace mailgate::core::plugin {
namespace {

constexpr std::size_t head_size = offsetof(mg_driver, abi_minor) + sizeof(uint16_t);
constexpr std::size_t v1_size = offsetof(mg_driver, parse_callback) + sizeof(void*);
constexpr uint64_t known_capabilities = MG_CAP_CALLBACKS | MG_CAP_DECORATE | MG_CAP_SMTP;

std::string version_text(unsigned major, unsigned minor)
{
    return std::to_string(major) + "." + std::to_string(minor);
}

} // namespace

std::optional<std::string> abi_version_problem(const mg_driver& d)
{
    const std::string host = version_text(MG_ABI_VERSION_MAJOR, MG_ABI_VERSION_MINOR);
    if (d.struct_size < head_size) {
        return "descriptor is too small to carry an ABI version";
    }
    if (d.abi_major != MG_ABI_VERSION_MAJOR) {
        return "built for driver ABI " + version_text(d.abi_major, d.abi_minor) +
               ", this host speaks ABI " + host + " (majors differ)";
    }
    if (d.abi_minor > MG_ABI_VERSION_MINOR) {
        return "built for driver ABI " + version_text(d.abi_major, d.abi_minor) +
               ", newer than this host's ABI " + host + ": upgrade mailgate";
    }
    if (d.struct_size < v1_size) {
        return "descriptor struct_size " + std::to_string(d.struct_size) + " is smaller than ABI " +
               version_text(MG_ABI_VERSION_MAJOR, 0) + "'s " + std::to_string(v1_size);
    }
    return std::nullopt;
}

std::optional<std::string> id_problem(const mg_driver& d)
{
    static const std::regex id_pattern("[a-z][a-z0-9_]{0,31}");
    if (d.id == nullptr || !std::regex_match(d.id, id_pattern)) {
        return "driver id is missing or not [a-z][a-z0-9_]{0,31}";
    }
    return std::nullopt;
}

std::optional<std::string> metadata_problem(const mg_driver& d)
{
    if (d.version == nullptr || *d.version == '\0' || d.description == nullptr) {
        return "descriptor has no version or no description";
    }
    return std::nullopt;
}

std::optional<std::string> lifecycle_problem(const mg_driver& d)
{
    if (d.create == nullptr || d.destroy == nullptr) {
        return "descriptor lacks create or destroy";
    }
    return std::nullopt;
}

std::optional<std::string> capability_problem(const mg_driver& d)
{
    if ((d.capabilities & ~known_capabilities) != 0) {
        return "unknown capability bits in the descriptor";
    }
    if (((d.capabilities & MG_CAP_CALLBACKS) != 0) != (d.parse_callback != nullptr)) {
        return "capability 'callbacks' and the parse_callback function disagree";
    }
    if (((d.capabilities & MG_CAP_DECORATE) != 0) != (d.decorate != nullptr)) {
        return "capability 'decorate' and the decorate function disagree";
    }
    return std::nullopt;
}

std::optional<std::string> abi_problem(const mg_driver& d)
{
    for (auto check : {abi_version_problem, id_problem, metadata_problem, lifecycle_problem,
                       capability_problem}) {
        if (auto problem = check(d)) {
            return problem;
        }
    }
    return std::nullopt;
}

} // namespace mailgate::core::plugin
