#include "core/suppression_list/list_import.hpp"

#include "core/base/clock.hpp"

#include <exception>

namespace mailgate::core::suppression_list {
namespace {

void note_refusal(import_report& report, const read_row& row)
{
    ++report.refused;
    if (report.refusals.size() < max_listed_refusals) {
        report.refusals.push_back({row.line, row.why});
    }
}

// Applies the chunk, or records why the store refused it; true when it is applied.
bool commit(storage::store& store, std::vector<storage::suppression>& chunk, std::size_t last_line,
            import_report& report)
{
    try {
        if (!chunk.empty()) {
            store.put_suppressions(chunk);
        }
    } catch (const std::exception& e) {
        report.failure = e.what();
        return false;
    }
    report.taken += chunk.size();
    report.last_line_committed = last_line;
    chunk.clear();
    return true;
}

} // namespace

import_report import_list(storage::store& store, std::istream& in, const import_options& options)
{
    import_report report;
    report.last_line_committed = options.from_line > 0 ? options.from_line - 1 : 0;
    const int64_t now = options.now != 0 ? options.now : base::unix_ms_now();
    const std::string source = "import:" + options.who;
    entry_reader reader(in, options.format, options.streams);
    std::vector<storage::suppression> chunk;
    chunk.reserve(options.chunk_size);
    while (auto row = reader.next()) {
        if (row->line < options.from_line) {
            ++report.skipped;
            continue;
        }
        if (!row->entry) {
            note_refusal(report, *row);
            continue;
        }
        row->entry->source = source;
        row->entry->created_at = now;
        chunk.push_back(std::move(*row->entry));
        if (chunk.size() >= options.chunk_size && !commit(store, chunk, reader.line(), report)) {
            return report;
        }
    }
    commit(store, chunk, reader.line(), report);
    return report;
}

} // namespace mailgate::core::suppression_list
