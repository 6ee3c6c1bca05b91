#include "tools/conformance/symbol_check.hpp"

#include <elf.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace mailgate::conformance {
namespace {

// Every offset in the file is the driver's claim: read through this, never past the end.
class elf_image {
public:
    explicit elf_image(std::string bytes) : bytes_(std::move(bytes)) {}

    template <class T>
    T at(std::size_t offset) const
    {
        if (offset > bytes_.size() || bytes_.size() - offset < sizeof(T)) {
            throw std::runtime_error("ELF structure points past the end of the file");
        }
        T value;
        std::memcpy(&value, bytes_.data() + offset, sizeof(T));
        return value;
    }

    std::string c_string(std::size_t offset, std::size_t limit) const
    {
        if (offset >= limit || limit > bytes_.size()) {
            throw std::runtime_error("symbol name outside the string table");
        }
        const char* start = bytes_.data() + offset;
        return std::string(start, strnlen(start, limit - offset));
    }

    std::size_t size() const noexcept { return bytes_.size(); }

private:
    std::string bytes_;
};

std::string read_all(const std::filesystem::path& file)
{
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        throw std::runtime_error("cannot read the file");
    }
    return std::string(std::istreambuf_iterator<char>(in), {});
}

} // namespace

std::vector<std::string> exported_symbols(const std::filesystem::path& file)
{
    const elf_image image(read_all(file));
    const auto header = image.at<Elf64_Ehdr>(0);
    if (std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0 ||
        header.e_ident[EI_CLASS] != ELFCLASS64) {
        throw std::runtime_error("not a 64-bit ELF file");
    }
    if (header.e_shentsize != sizeof(Elf64_Shdr)) {
        throw std::runtime_error("unexpected ELF section header size");
    }
    std::vector<std::string> names;
    for (std::size_t i = 0; i < header.e_shnum; ++i) {
        const auto section = image.at<Elf64_Shdr>(header.e_shoff + i * sizeof(Elf64_Shdr));
        if (section.sh_type != SHT_DYNSYM) {
            continue;
        }
        const auto strings =
            image.at<Elf64_Shdr>(header.e_shoff + section.sh_link * sizeof(Elf64_Shdr));
        const std::size_t strings_end = strings.sh_offset + strings.sh_size;
        // Entry 0 is the reserved null symbol.
        for (std::size_t s = 1; s < section.sh_size / sizeof(Elf64_Sym); ++s) {
            const auto sym = image.at<Elf64_Sym>(section.sh_offset + s * sizeof(Elf64_Sym));
            const unsigned binding = ELF64_ST_BIND(sym.st_info);
            if (sym.st_shndx == SHN_UNDEF || binding == STB_LOCAL) {
                continue;
            }
            names.push_back(image.c_string(strings.sh_offset + sym.st_name, strings_end));
        }
    }
    std::sort(names.begin(), names.end());
    return names;
}

} // namespace mailgate::conformance
