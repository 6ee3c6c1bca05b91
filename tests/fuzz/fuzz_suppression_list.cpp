// Bytes as an operator's list file (POST /v1/suppressions/import, `mailgate suppressions
// import`), through the reader: whatever the bytes, rows come in file order with line numbers in
// the file, entries keep the reader's limits, and an accepted entry written out by the writer
// reads back the same (an export re-imports identically). The first byte picks the format.

#include "core/suppression_list/entry_reader.hpp"
#include "core/suppression_list/entry_writer.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace sl = mailgate::core::suppression_list;
namespace storage = mailgate::core::storage;

void check(bool ok)
{
    if (!ok) {
        std::abort();
    }
}

const sl::stream_set streams{"transactional", "marketing"};

void check_entry(const storage::suppression& e)
{
    check(!e.email.empty() && e.email.size() <= 330);
    check(e.stream == "*" || streams.contains(e.stream));
    check(!e.reason.empty() && e.reason.size() <= sl::max_label_bytes);
    check(e.note.size() <= sl::max_note_bytes);
    check(e.expires_at >= 0 && e.created_at >= 0);
}

bool same(const storage::suppression& a, const storage::suppression& b)
{
    return a.email == b.email && a.stream == b.stream && a.reason == b.reason &&
           a.expires_at == b.expires_at && a.note == b.note && a.provider == b.provider &&
           a.source == b.source && a.created_at == b.created_at;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0) {
        return 0;
    }
    const auto format = (data[0] & 1) != 0 ? sl::list_format::jsonl : sl::list_format::csv;
    const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
    const auto lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;

    std::istringstream in(text);
    sl::entry_reader reader(in, format, streams);
    std::vector<storage::suppression> entries;
    std::size_t last = 0;
    while (auto row = reader.next()) {
        check(row->line >= 1 && row->line <= lines && row->line >= last);
        last = row->line;
        check(row->entry.has_value() == row->why.empty());
        if (row->entry) {
            check_entry(*row->entry);
            entries.push_back(*row->entry);
        }
    }

    std::ostringstream out;
    sl::entry_writer writer(out, format);
    for (const auto& e : entries) {
        writer.write(e);
    }
    std::istringstream again(out.str());
    sl::entry_reader rereader(again, format, streams);
    std::size_t i = 0;
    while (auto row = rereader.next()) {
        check(row->entry.has_value() && i < entries.size() && same(*row->entry, entries[i]));
        ++i;
    }
    check(i == entries.size());
    return 0;
}
