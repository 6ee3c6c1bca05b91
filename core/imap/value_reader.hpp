#pragma once

// The values of an IMAP response's data (RFC 3501 §9): atoms, numbers, quoted strings,
// literals, NIL and parenthesised lists, read across the lines and literals of one framed
// response. Lists nest at most `max_depth` deep.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailgate::core::imap {

struct imap_value {
    enum class type { atom, string, list, nil };

    type kind = type::atom;
    std::string text;              ///< an atom's or string's
    std::vector<imap_value> items; ///< a list's
};

/// NOT thread-safe. LIFETIME: `lines` and `literals` outlive the reader.
class value_reader {
public:
    static constexpr std::size_t max_depth = 16;

    /// Starts at `offset` of the first line.
    value_reader(const std::vector<std::string>& lines, const std::vector<std::string>& literals,
                 std::size_t offset);

    /// The next value; throws imap_protocol_error when there is none or it is malformed.
    imap_value next();
    /// Nothing but spaces left.
    bool at_end();

private:
    imap_value read(std::size_t depth);
    imap_value read_list(std::size_t depth);
    imap_value read_quoted();
    imap_value read_literal();
    imap_value read_atom();
    void skip_spaces();
    std::string_view line() const { return (*lines_)[line_]; }

    const std::vector<std::string>* lines_;
    const std::vector<std::string>* literals_;
    std::size_t line_ = 0;
    std::size_t offset_;
};

/// A number of at most `max` (digits only); nothing for anything else.
std::optional<uint64_t> parse_number(std::string_view text, uint64_t max);

} // namespace mailgate::core::imap
