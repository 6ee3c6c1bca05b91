// The writer's filter of addresses (core/storage/sqlite/address_filter.hpp): never "no" for an
// address it holds, rarely "maybe" for one it does not, and the same read from a table of
// addresses or of hash blobs.

#include "core/storage/prepared_event.hpp"
#include "core/storage/sqlite/address_filter.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mailgate::core::storage::sqlite {
namespace {

class SqliteAddressFilter : public ::testing::Test {
protected:
    void SetUp() override
    {
        db_.execute_script("CREATE TABLE emails (email TEXT); CREATE TABLE blobs (hashes BLOB);");
    }

    test::temp_folder folder_;
    connection db_{folder_.path() / "filter.db", access::read_write};
};

std::string address(int i)
{
    return "user" + std::to_string(i) + "@example.com";
}

TEST_F(SqliteAddressFilter, HoldsEveryAddressItReadAndFewOthers)
{
    std::vector<int64_t> hashes;
    db_.execute_script("BEGIN");
    for (int i = 0; i < 20'000; ++i) {
        db_.prepare("INSERT INTO emails (email) VALUES (?)").bind(address(i)).run();
        hashes.push_back(email_hash(address(i)));
    }
    db_.execute_script("COMMIT");
    address_filter filter(1024);
    ASSERT_TRUE(filter.needs_read());
    filter.read(db_, "SELECT count(*) FROM emails", "SELECT email FROM emails",
                address_filter::column::email);
    EXPECT_FALSE(filter.needs_read());

    for (const auto h : hashes) {
        ASSERT_TRUE(filter.may_hold(h));
    }
    int maybe = 0;
    for (int i = 20'000; i < 40'000; ++i) {
        maybe += filter.may_hold(email_hash(address(i))) ? 1 : 0;
    }
    EXPECT_LT(maybe, 20'000 / 20) << "under 5% false maybe at half its room";
}

TEST_F(SqliteAddressFilter, ReadsHashBlobsAsWritten)
{
    std::vector<int64_t> hashes{email_hash("a@example.com"), -1, 0, email_hash("b@example.com")};
    db_.prepare("INSERT INTO blobs (hashes) VALUES (?)").bind_blob(hashes_blob(hashes)).run();
    address_filter filter(16);
    filter.read(db_, "SELECT sum(length(hashes)) / 8 FROM blobs", "SELECT hashes FROM blobs",
                address_filter::column::hashes);

    for (const auto h : hashes) {
        EXPECT_TRUE(filter.may_hold(h)) << h;
    }
    EXPECT_EQ(hashes_blob(hashes).size(), 32u);
    EXPECT_EQ(hashes_blob({1}), std::string("\x01\0\0\0\0\0\0\0", 8)) << "little-endian";
}

// Added past its room it asks to be read again, and forgetting does too.
TEST_F(SqliteAddressFilter, AsksToBeReadAgainWhenFullOrForgotten)
{
    address_filter filter(4);
    filter.read(db_, "SELECT count(*) FROM emails", "SELECT email FROM emails",
                address_filter::column::email);
    for (int i = 0; i < 4; ++i) {
        filter.add(email_hash(address(i)));
    }
    EXPECT_FALSE(filter.needs_read());
    filter.add(email_hash(address(4)));
    EXPECT_TRUE(filter.needs_read());

    filter.read(db_, "SELECT count(*) FROM emails", "SELECT email FROM emails",
                address_filter::column::email);
    filter.forget();
    EXPECT_TRUE(filter.needs_read());
}

} // namespace
} // namespace mailgate::core::storage::sqlite
