#pragma once

// The field blocks of RFC 3464 delivery-status (and RFC 6533's global form), of RFC 5965
// feedback-report and of returned header sections: "Name: value" lines with folded
// continuations, in groups separated by blank lines.

#include <string>
#include <string_view>
#include <vector>

namespace mailgate::core::bounces {

struct field {
    std::string name; ///< lower case
    std::string value;
};

class field_group {
public:
    void add(field f) { fields_.push_back(std::move(f)); }
    /// The first value of the field (name in lower case), or empty.
    std::string_view get(std::string_view name) const noexcept;
    bool has(std::string_view name) const noexcept;
    bool empty() const noexcept { return fields_.empty(); }
    const std::vector<field>& fields() const noexcept { return fields_; }

private:
    std::vector<field> fields_;
};

/// The groups of a block. A group also ends where a Final-Recipient (or an
/// Original-Recipient) would join a group that has one already (reports that omit the
/// blank lines).
std::vector<field_group> parse_field_groups(std::string_view text);

/// One header section: everything up to the first blank line, as one group.
field_group parse_header_section(std::string_view text);

} // namespace mailgate::core::bounces
