#pragma once

// A real driver file cut short inside its last loaded segment, as an upgrade's interrupted copy
// leaves it: dlopen maps that segment past the end of the file and dies of SIGBUS touching it.

#include <elf.h>
#include <link.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace mailgate::test {

struct truncated_driver {
    std::size_t segment = 0;     ///< the program header index of the segment cut
    std::size_t segment_end = 0; ///< where that segment should end
    std::size_t size = 0;        ///< the file's size
    /// The reason the loader gives.
    std::string reason() const
    {
        return "truncated: segment " + std::to_string(segment) + " ends at byte " +
               std::to_string(segment_end) + ", the file has " + std::to_string(size);
    }
};

/// Writes `source` to `target` cut in the middle of its last PT_LOAD segment.
inline truncated_driver write_truncated_driver(const std::filesystem::path& source,
                                               const std::filesystem::path& target)
{
    std::ifstream in(source, std::ios::binary);
    std::ostringstream read;
    read << in.rdbuf();
    const std::string bytes = read.str();
    ElfW(Ehdr) header;
    if (bytes.size() < sizeof header) {
        throw std::runtime_error(source.string() + " is not an ELF file");
    }
    std::memcpy(&header, bytes.data(), sizeof header);
    truncated_driver out;
    for (std::size_t i = 0; i < header.e_phnum; ++i) {
        ElfW(Phdr) p;
        std::memcpy(&p, bytes.data() + header.e_phoff + i * sizeof p, sizeof p);
        if (p.p_type == PT_LOAD) {
            out = {i, p.p_offset + p.p_filesz, p.p_offset + p.p_filesz / 2};
        }
    }
    std::ofstream(target, std::ios::binary) << bytes.substr(0, out.size);
    return out;
}

} // namespace mailgate::test
