#pragma once

// How far the IMAP poller has read one mailbox: messages up to `last_uid` are handled (or left
// on purpose), within the UID numbering `uid_validity` names (RFC 3501 §2.3.1.1). A new
// UIDVALIDITY makes the UIDs meaningless, and the poller starts over.

#include <cstdint>

namespace mailgate::core::storage {

struct mailbox_cursor {
    int64_t uid_validity = 0;
    int64_t last_uid = 0;

    bool operator==(const mailbox_cursor&) const = default;
};

} // namespace mailgate::core::storage
