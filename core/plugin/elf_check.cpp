#include "core/plugin/elf_check.hpp"

#include <fmt/format.h>

#include <elf.h>
#include <link.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <limits>
#include <vector>

// The linker's symbol for this module's own ELF header, as mapped: the class, byte order and
// machine a driver must match, whatever architecture the gateway was built for.
extern "C" const ElfW(Ehdr) __ehdr_start __attribute__((visibility("hidden")));

namespace mailgate::core::plugin {
namespace {

using elf_header = ElfW(Ehdr);
using program_header = ElfW(Phdr);
using section_header = ElfW(Shdr);

// Reads only inside the file: a range past its end is reported, never read.
class elf_file {
public:
    explicit elf_file(const std::filesystem::path& path)
        : in_(path, std::ios::binary | std::ios::ate)
    {
        if (in_) {
            size_ = static_cast<std::uint64_t>(in_.tellg());
        }
    }

    bool opened() const { return static_cast<bool>(in_); }
    std::uint64_t size() const { return size_; }

    bool holds(std::uint64_t offset, std::uint64_t length) const
    {
        return offset <= size_ && length <= size_ - offset;
    }

    /// Reads `count` objects at `offset`, which holds() checked.
    template <class T>
    std::vector<T> read(std::uint64_t offset, std::size_t count)
    {
        std::vector<T> out(count);
        in_.seekg(static_cast<std::streamoff>(offset));
        in_.read(reinterpret_cast<char*>(out.data()),
                 static_cast<std::streamsize>(count * sizeof(T)));
        if (!in_) {
            out.clear();
        }
        return out;
    }

    std::string truncated(std::string_view what, std::uint64_t offset, std::uint64_t length) const
    {
        const std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
        const std::uint64_t end = length > max - offset ? max : offset + length;
        return fmt::format("truncated: {} ends at byte {}, the file has {}", what, end, size_);
    }

private:
    std::ifstream in_;
    std::uint64_t size_ = 0;
};

const char* byte_order_name(unsigned char data)
{
    return data == ELFDATA2LSB ? "little-endian" : data == ELFDATA2MSB ? "big-endian" : "unknown";
}

// The identification bytes are laid out alike in every class: checked before the rest of the
// header is read as this host's.
std::optional<std::string> ident_problem(const std::vector<unsigned char>& ident)
{
    const elf_header& host = __ehdr_start;
    if (ident.size() != EI_NIDENT || std::memcmp(ident.data(), ELFMAG, SELFMAG) != 0) {
        return std::string("cannot load: invalid ELF header (not an ELF file)");
    }
    if (ident[EI_CLASS] != host.e_ident[EI_CLASS]) {
        return fmt::format("wrong ELF class: {}, this host is {}",
                           ident[EI_CLASS] == ELFCLASS32   ? "32-bit"
                           : ident[EI_CLASS] == ELFCLASS64 ? "64-bit"
                                                           : "none",
                           host.e_ident[EI_CLASS] == ELFCLASS64 ? "64-bit" : "32-bit");
    }
    if (ident[EI_DATA] != host.e_ident[EI_DATA]) {
        return fmt::format("wrong byte order: {}, this host is {}", byte_order_name(ident[EI_DATA]),
                           byte_order_name(host.e_ident[EI_DATA]));
    }
    if (ident[EI_VERSION] != EV_CURRENT) {
        return fmt::format("unknown ELF version {}", ident[EI_VERSION]);
    }
    return std::nullopt;
}

std::optional<std::string> type_problem(const elf_header& h)
{
    const elf_header& host = __ehdr_start;
    if (h.e_type != ET_DYN) {
        return fmt::format("not a shared object (ELF type {})", h.e_type);
    }
    if (h.e_machine != host.e_machine) {
        return fmt::format("built for ELF machine {}, this host is machine {}", h.e_machine,
                           host.e_machine);
    }
    return std::nullopt;
}

std::optional<std::string> segments_problem(elf_file& f, const elf_header& h)
{
    if (h.e_phnum == 0 || h.e_phentsize != sizeof(program_header)) {
        return fmt::format("bad program header table ({} entries of {} bytes)", h.e_phnum,
                           h.e_phentsize);
    }
    const std::uint64_t table = std::uint64_t{h.e_phnum} * sizeof(program_header);
    if (!f.holds(h.e_phoff, table)) {
        return f.truncated("the program header table", h.e_phoff, table);
    }
    const auto segments = f.read<program_header>(h.e_phoff, h.e_phnum);
    for (std::size_t i = 0; i < segments.size(); ++i) {
        const auto& p = segments[i];
        if (p.p_type == PT_LOAD && !f.holds(p.p_offset, p.p_filesz)) {
            return f.truncated(fmt::format("segment {}", i), p.p_offset, p.p_filesz);
        }
    }
    return segments.empty() ? std::optional<std::string>("unreadable program header table")
                            : std::nullopt;
}

std::optional<std::string> sections_problem(elf_file& f, const elf_header& h)
{
    if (h.e_shoff == 0) {
        return std::nullopt; // no section header table: the loader does not need one
    }
    if (h.e_shentsize != sizeof(section_header)) {
        return fmt::format("bad section header size {}", h.e_shentsize);
    }
    if (!f.holds(h.e_shoff, sizeof(section_header))) {
        return f.truncated("the section header table", h.e_shoff, sizeof(section_header));
    }
    // More than SHN_LORESERVE sections: e_shnum is 0 and the count is the first header's size.
    std::uint64_t count = h.e_shnum;
    if (count == 0) {
        const auto first = f.read<section_header>(h.e_shoff, 1);
        count = first.empty() ? 0 : first.front().sh_size;
    }
    if (count > f.size() / sizeof(section_header) ||
        !f.holds(h.e_shoff, count * sizeof(section_header))) {
        return f.truncated("the section header table", h.e_shoff, count * sizeof(section_header));
    }
    const auto sections = f.read<section_header>(h.e_shoff, count);
    for (std::size_t i = 0; i < sections.size(); ++i) {
        const auto& s = sections[i];
        if (s.sh_type != SHT_NOBITS && !f.holds(s.sh_offset, s.sh_size)) {
            return f.truncated(fmt::format("section {}", i), s.sh_offset, s.sh_size);
        }
    }
    return std::nullopt;
}

} // namespace

std::optional<std::string> elf_problem(const std::filesystem::path& file)
{
    elf_file f(file);
    if (!f.opened()) {
        return std::nullopt;
    }
    if (!f.holds(0, EI_NIDENT)) {
        return fmt::format("cannot load: invalid ELF header (the file has {} bytes)", f.size());
    }
    if (auto problem = ident_problem(f.read<unsigned char>(0, EI_NIDENT))) {
        return problem;
    }
    if (!f.holds(0, sizeof(elf_header))) {
        return f.truncated("the ELF header", 0, sizeof(elf_header));
    }
    const auto header = f.read<elf_header>(0, 1);
    if (header.empty()) {
        return std::string("unreadable ELF header");
    }
    if (auto problem = type_problem(header.front())) {
        return problem;
    }
    if (auto problem = segments_problem(f, header.front())) {
        return problem;
    }
    return sections_problem(f, header.front());
}

} // namespace mailgate::core::plugin
