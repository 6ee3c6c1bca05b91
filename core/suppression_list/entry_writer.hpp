#pragma once

// A suppression list written out, one entry at a time, in the form entry_reader reads back
// (docs/suppression-list.md). CSV fields are written exactly as stored, quoted only when RFC
// 4180 needs it: no spreadsheet guard (a leading ' before = + - @) that would change what a
// re-import stores; open exports in a spreadsheet with care.

#include "core/storage/store.hpp"
#include "core/suppression_list/list_format.hpp"

#include <ostream>

namespace mailgate::core::suppression_list {

class entry_writer {
public:
    /// CSV: writes the header line at once, so that an empty list is still a readable file.
    entry_writer(std::ostream& out, list_format format);

    /// One line (CSV: one record) for `entry`; times as RFC 3339 UTC with milliseconds,
    /// expires_at empty when it never lapses.
    void write(const storage::suppression& entry);

private:
    std::ostream& out_;
    list_format format_;
};

} // namespace mailgate::core::suppression_list
