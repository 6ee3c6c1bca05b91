#pragma once

// What a driver file exports, read from its ELF dynamic symbol table without loading it: any
// symbol besides mg_driver_entry could shadow, or be shadowed by, the host's or another
// driver's.

#include <filesystem>
#include <string>
#include <vector>

namespace mailgate::conformance {

/// The names of the defined global and weak symbols in `file`'s .dynsym, sorted. Throws
/// std::runtime_error when the file is not a readable 64-bit ELF shared object.
std::vector<std::string> exported_symbols(const std::filesystem::path& file);

} // namespace mailgate::conformance
