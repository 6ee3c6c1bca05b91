// Damaged copies of a real driver file: each is refused with its reason, before dlopen could map
// it (a truncated file used to end the process with SIGBUS inside dlopen).

#include "core/plugin/driver_library.hpp"
#include "core/plugin/driver_registry.hpp"
#include "core/plugin/elf_check.hpp"

#include "tests/support/captured_log.hpp"
#include "tests/support/truncated_driver.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <elf.h>
#include <link.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

namespace mailgate::core::plugin {
namespace {

using ::testing::HasSubstr;

const std::filesystem::path real_driver =
    std::filesystem::path(MAILGATE_PLUGIN_DIR) / "mailgate-legacy.so";

std::string read_file(const std::filesystem::path& file)
{
    std::ifstream in(file, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

class ElfCheck : public ::testing::Test {
protected:
    void SetUp() override
    {
        bytes_ = read_file(real_driver);
        ASSERT_GT(bytes_.size(), sizeof(ElfW(Ehdr)));
        std::memcpy(&header_, bytes_.data(), sizeof header_);
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    /// Writes `content` as a driver file in the test's own folder.
    std::filesystem::path write(const std::string& content,
                                const std::string& name = "mailgate-damaged.so") const
    {
        const auto file = dir_ / name;
        std::ofstream(file, std::ios::binary) << content;
        return file;
    }

    std::string load_error_of(const std::filesystem::path& file) const
    {
        try {
            driver_library::load(file);
        } catch (const load_error& e) {
            return e.what();
        }
        return "(loaded)";
    }

    std::filesystem::path dir_ =
        std::filesystem::temp_directory_path() / ("mailgate-elf-" + std::to_string(::getpid()));
    std::string bytes_;
    ElfW(Ehdr) header_{};
};

TEST_F(ElfCheck, TheRealDriverPasses)
{
    EXPECT_EQ(elf_problem(real_driver), std::nullopt);
    EXPECT_EQ(elf_problem(write(bytes_)), std::nullopt);
}

TEST_F(ElfCheck, TruncatedInsideALoadedSegmentIsRefusedNamingTheSegment)
{
    const auto file = dir_ / "mailgate-damaged.so";
    const auto truncated = mailgate::test::write_truncated_driver(real_driver, file);
    EXPECT_EQ(elf_problem(file), truncated.reason());
    // The loader refuses it with that reason instead of mapping it (SIGBUS before the check).
    EXPECT_EQ(load_error_of(file), truncated.reason());
}

TEST_F(ElfCheck, TruncatedAtEveryStructureIsRefusedWithItsReason)
{
    const std::size_t section_table_end =
        header_.e_shoff + std::size_t{header_.e_shnum} * sizeof(ElfW(Shdr));
    ASSERT_EQ(section_table_end, bytes_.size()) << "the section headers end the file";

    EXPECT_THAT(elf_problem(write(bytes_.substr(0, 0))).value_or(""),
                HasSubstr("invalid ELF header"));
    EXPECT_THAT(elf_problem(write(bytes_.substr(0, 10))).value_or(""),
                HasSubstr("invalid ELF header (the file has 10 bytes)"));
    EXPECT_EQ(elf_problem(write(bytes_.substr(0, 40))),
              "truncated: the ELF header ends at byte 64, the file has 40");
    EXPECT_THAT(elf_problem(write(bytes_.substr(0, header_.e_phoff + 20))).value_or(""),
                HasSubstr("truncated: the program header table ends at byte"));
    // Every loaded segment complete, the tail lost: the section headers are cut off.
    EXPECT_THAT(elf_problem(write(bytes_.substr(0, bytes_.size() - 1))).value_or(""),
                HasSubstr("truncated: the section header table ends at byte " +
                          std::to_string(bytes_.size())));
}

TEST_F(ElfCheck, ZeroedHeaderIsNotAnElfFile)
{
    std::string zeroed = bytes_;
    std::fill_n(zeroed.begin(), sizeof(ElfW(Ehdr)), '\0');
    const auto file = write(zeroed);
    EXPECT_EQ(elf_problem(file), "cannot load: invalid ELF header (not an ELF file)");
    EXPECT_EQ(load_error_of(file), "cannot load: invalid ELF header (not an ELF file)");
}

TEST_F(ElfCheck, WrongClassByteOrderOrMachineIsRefused)
{
    std::string other_class = bytes_;
    other_class[EI_CLASS] = ELFCLASS32;
    EXPECT_EQ(elf_problem(write(other_class)), "wrong ELF class: 32-bit, this host is 64-bit");

    std::string other_order = bytes_;
    other_order[EI_DATA] = ELFDATA2MSB;
    EXPECT_EQ(elf_problem(write(other_order)),
              "wrong byte order: big-endian, this host is little-endian");

    std::string other_machine = bytes_;
    ElfW(Ehdr) h = header_;
    h.e_machine = static_cast<ElfW(Half)>(h.e_machine == EM_AARCH64 ? EM_X86_64 : EM_AARCH64);
    std::memcpy(other_machine.data(), &h, sizeof h);
    EXPECT_THAT(elf_problem(write(other_machine)).value_or(""),
                HasSubstr("built for ELF machine " + std::to_string(h.e_machine)));
}

TEST_F(ElfCheck, AFolderScanSkipsTheTruncatedFileWithOneLineAndLoadsTheOthers)
{
    write(bytes_, "mailgate-legacy.so");
    const auto damaged = dir_ / "mailgate-truncated.so";
    const auto truncated = mailgate::test::write_truncated_driver(real_driver, damaged);
    mailgate::test::captured_log captured;
    const auto registry = driver_registry::scan(dir_);
    ASSERT_EQ(registry.drivers().size(), 1u);
    EXPECT_EQ(registry.drivers()[0]->id(), "legacy");
    ASSERT_EQ(registry.failures().size(), 1u);
    EXPECT_THAT(captured.text(), HasSubstr(damaged.string() + ": skipped: " + truncated.reason()));
}

} // namespace
} // namespace mailgate::core::plugin
