#pragma once

// The structure of a driver file, checked before dlopen maps it. The loader maps each PT_LOAD
// segment from the file; a segment that reaches past the end of a truncated file (an upgrade's
// copy interrupted) is mapped anyway, and the first touch of its missing pages is a SIGBUS
// inside dlopen: the process dies without a word. Read with ordinary reads, the same file is
// refused with the reason.

#include <filesystem>
#include <optional>
#include <string>

namespace mailgate::core::plugin {

/// Why `file` is not an ELF shared object this process can map, or nothing when its header is
/// for this machine's class, byte order and architecture, and its program headers, every
/// PT_LOAD segment's file range, its section headers and their contents lie inside the file.
/// A file that cannot be opened passes: dlopen names that problem in its own words.
std::optional<std::string> elf_problem(const std::filesystem::path& file);

} // namespace mailgate::core::plugin
