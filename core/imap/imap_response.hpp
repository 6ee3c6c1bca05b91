#pragma once

// One server response, read into what the client acts on (RFC 3501 §7): the status of a
// command, an untagged status or datum (CAPABILITY, SEARCH, EXISTS, FETCH, ...), or a
// continuation request. What the client never looks at (FLAGS, LIST, ...) keeps only its name.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mailgate::core::imap {

/// One message's items of a FETCH response (RFC 3501 §7.4.2).
struct fetch_data {
    uint32_t sequence = 0;
    std::optional<uint32_t> uid;
    std::optional<uint64_t> size;    ///< RFC822.SIZE
    std::optional<std::string> body; ///< BODY[]: the whole message
    std::vector<std::string> flags;
};

struct imap_response {
    enum class type { tagged, untagged, continuation };

    type kind = type::untagged;
    std::string tag; ///< tagged only
    /// Upper case: OK, NO, BAD, BYE, PREAUTH for a status; else the datum's name (CAPABILITY,
    /// SEARCH, EXISTS, EXPUNGE, RECENT, FETCH, FLAGS, LIST, ...).
    std::string name;
    /// A status's response code without its brackets ("UIDVALIDITY 3857529045"), or empty.
    std::string code;
    /// A status's or continuation's human-readable text.
    std::string text;
    /// "* 3 EXISTS": 3.
    std::optional<uint32_t> number;
    /// CAPABILITY's capabilities (upper case) and SEARCH's numbers, as words.
    std::vector<std::string> words;
    std::optional<fetch_data> fetch;

    bool is_status() const
    {
        return name == "OK" || name == "NO" || name == "BAD" || name == "BYE" || name == "PREAUTH";
    }
};

} // namespace mailgate::core::imap
