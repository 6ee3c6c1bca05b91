#pragma once

// Where a mailbox poller keeps how far it has read: the storage in the gateway, anything in a
// test. Both calls block until done and are made on the poller's own thread.

#include "core/storage/mailbox_cursor.hpp"
#include "core/storage/store.hpp"

#include <optional>
#include <string>

namespace mailgate::core::imap {

class cursor_store {
public:
    virtual ~cursor_store() = default;
    virtual std::optional<storage::mailbox_cursor> find(const std::string& mailbox) = 0;
    /// Durable when it returns; throws when it could not be made so.
    virtual void put(const std::string& mailbox, const storage::mailbox_cursor& cursor) = 0;
};

/// The gateway's storage as a cursor_store. LIFETIME: `store` outlives it.
class store_cursors final : public cursor_store {
public:
    explicit store_cursors(storage::store& store) : store_(store) {}

    std::optional<storage::mailbox_cursor> find(const std::string& mailbox) override
    {
        return store_.find_mailbox_cursor(mailbox);
    }
    void put(const std::string& mailbox, const storage::mailbox_cursor& cursor) override
    {
        store_.put_mailbox_cursor(mailbox, cursor);
    }

private:
    storage::store& store_;
};

} // namespace mailgate::core::imap
