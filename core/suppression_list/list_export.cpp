#include "core/suppression_list/list_export.hpp"

#include <algorithm>
#include <limits>

namespace mailgate::core::suppression_list {

export_page export_entries(storage::store& store, entry_writer& writer,
                           storage::suppression_filter filter, std::size_t max_rows)
{
    export_page page;
    while (page.written < max_rows) {
        filter.limit = std::min(storage::max_page_size, max_rows - page.written);
        const auto entries = store.list_suppressions(filter);
        for (const auto& entry : entries) {
            writer.write(entry);
        }
        page.written += entries.size();
        if (entries.size() < filter.limit) {
            return page;
        }
        filter.after_email = entries.back().email;
        filter.after_stream = entries.back().stream;
    }
    // Full: one more entry decides whether a next page exists, so that a client is never sent
    // to an empty one.
    filter.limit = 1;
    if (!store.list_suppressions(filter).empty()) {
        page.next = export_cursor{filter.after_email, filter.after_stream};
    }
    return page;
}

std::size_t export_list(storage::store& store, std::ostream& out, list_format format,
                        const std::optional<std::string>& stream,
                        const std::optional<std::string>& reason)
{
    entry_writer writer(out, format);
    storage::suppression_filter filter;
    filter.stream = stream;
    filter.reason = reason;
    return export_entries(store, writer, filter, std::numeric_limits<std::size_t>::max()).written;
}

} // namespace mailgate::core::suppression_list
