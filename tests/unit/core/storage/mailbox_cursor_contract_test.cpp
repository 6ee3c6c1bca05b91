// The IMAP poller's saved positions (store::find_mailbox_cursor, put_mailbox_cursor), on every
// backend.

#include "backends.hpp"
#include "core/storage/mailbox_cursor.hpp"
#include "core/storage/store.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <optional>

namespace mailgate::core::storage {
namespace {

using test::backend;

class MailboxCursorContract : public ::testing::TestWithParam<backend> {
protected:
    void SetUp() override
    {
        if (!GetParam().unavailable.empty()) {
            GTEST_SKIP() << GetParam().unavailable;
        }
        store_ = GetParam().open(folder_.path(), nullptr);
    }

    test::temp_folder folder_;
    std::unique_ptr<store> store_;
};

TEST_P(MailboxCursorContract, HasNoCursorForAMailboxNeverPolled)
{
    EXPECT_EQ(store_->find_mailbox_cursor("gmail"), std::nullopt);
}

TEST_P(MailboxCursorContract, ReplacesTheCursorOfOneMailboxOnly)
{
    store_->put_mailbox_cursor("gmail", {1700000000, 41});
    store_->put_mailbox_cursor("workspace", {7, 3});
    store_->put_mailbox_cursor("gmail", {1700000000, 42});

    EXPECT_EQ(store_->find_mailbox_cursor("gmail"), (mailbox_cursor{1700000000, 42}));
    EXPECT_EQ(store_->find_mailbox_cursor("workspace"), (mailbox_cursor{7, 3}));
}

TEST_P(MailboxCursorContract, KeepsTheLargestUidsAndValidities)
{
    // Both are 32-bit unsigned in IMAP (RFC 3501 §4.3.1): beyond an int32's range.
    store_->put_mailbox_cursor("big", {4294967295, 4294967294});

    EXPECT_EQ(store_->find_mailbox_cursor("big"), (mailbox_cursor{4294967295, 4294967294}));
}

TEST_P(MailboxCursorContract, KeepsTheCursorAcrossReopen)
{
    store_->put_mailbox_cursor("gmail", {9, 1234});
    store_.reset();

    store_ = GetParam().open(folder_.path(), nullptr);

    EXPECT_EQ(store_->find_mailbox_cursor("gmail"), (mailbox_cursor{9, 1234}));
}

INSTANTIATE_TEST_SUITE_P(backend, MailboxCursorContract, test::all_backends(), test::name_of);

} // namespace
} // namespace mailgate::core::storage
