#include "core/bounces/dsn_fields.hpp"
#include "core/encoding/ascii.hpp"

#include "core/bounces/text_scan.hpp"

namespace mailgate::core::bounces {
namespace {

bool is_field_name(std::string_view name) noexcept
{
    if (name.empty() || name.size() > 76) {
        return false;
    }
    for (const char c : name) {
        if (c <= ' ' || c > '~') {
            return false;
        }
    }
    return true;
}

bool names_recipient(std::string_view lower_name) noexcept
{
    return lower_name == "final-recipient" || lower_name == "original-recipient";
}

class group_builder {
public:
    explicit group_builder(std::vector<field_group>& out) : out_(out) {}

    void line(std::string_view l)
    {
        if (trim(l).empty()) {
            close();
            return;
        }
        if ((l.front() == ' ' || l.front() == '\t') && !current_.empty()) {
            pending_value_.push_back(' ');
            pending_value_.append(trim(l));
            return;
        }
        const auto colon = l.find(':');
        if (colon == std::string_view::npos || !is_field_name(l.substr(0, colon))) {
            return; // prose in a report: not a field
        }
        flush();
        auto name = encoding::ascii_lower(l.substr(0, colon));
        if (names_recipient(name) && current_.has(name)) {
            close();
        }
        pending_name_ = std::move(name);
        pending_value_ = std::string(trim(l.substr(colon + 1)));
        has_pending_ = true;
    }

    void close()
    {
        flush();
        if (!current_.empty()) {
            out_.push_back(std::move(current_));
            current_ = {};
        }
    }

private:
    void flush()
    {
        if (has_pending_) {
            current_.add({std::move(pending_name_), std::move(pending_value_)});
            pending_name_.clear();
            pending_value_.clear();
            has_pending_ = false;
        }
    }

    std::vector<field_group>& out_;
    field_group current_;
    std::string pending_name_;
    std::string pending_value_;
    bool has_pending_ = false;
};

} // namespace

std::string_view field_group::get(std::string_view name) const noexcept
{
    for (const auto& f : fields_) {
        if (f.name == name) {
            return f.value;
        }
    }
    return {};
}

bool field_group::has(std::string_view name) const noexcept
{
    for (const auto& f : fields_) {
        if (f.name == name) {
            return true;
        }
    }
    return false;
}

std::vector<field_group> parse_field_groups(std::string_view text)
{
    std::vector<field_group> out;
    group_builder builder(out);
    for (const auto l : split_lines(text)) {
        builder.line(l);
    }
    builder.close();
    return out;
}

field_group parse_header_section(std::string_view text)
{
    const auto start = text.find_first_not_of("\n");
    if (start == std::string_view::npos) {
        return {};
    }
    text.remove_prefix(start);
    const auto end = text.find("\n\n");
    auto groups = parse_field_groups(text.substr(0, end));
    field_group all;
    for (auto& g : groups) {
        for (const auto& f : g.fields()) {
            all.add(f);
        }
    }
    return all;
}

} // namespace mailgate::core::bounces
