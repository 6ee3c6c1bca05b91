#include "core/base/iso_time.hpp"

#include <gtest/gtest.h>

namespace mailgate::core::base {
namespace {

TEST(iso_time, formats_with_milliseconds)
{
    EXPECT_EQ(format_iso_time(0), "1970-01-01T00:00:00.000Z");
    EXPECT_EQ(format_iso_time(1700000000123), "2023-11-14T22:13:20.123Z");
    EXPECT_EQ(format_iso_time(max_iso_seconds * 1000 + 999), "9999-12-31T23:59:59.999Z");
    EXPECT_EQ(format_iso_time(951782400000), "2000-02-29T00:00:00.000Z");
}

TEST(iso_time, parses_what_it_formats_and_rfc_3339_offsets)
{
    for (int64_t ms : {int64_t{0}, int64_t{1700000000123}, int64_t{951782400000},
                       max_iso_seconds * 1000 + 999}) {
        EXPECT_EQ(parse_iso_time(format_iso_time(ms)), ms);
    }
    EXPECT_EQ(parse_iso_time("2023-11-14T22:13:20Z"), 1700000000000);
    EXPECT_EQ(parse_iso_time("2023-11-14 22:13:20.1234567z"), 1700000000123);
    EXPECT_EQ(parse_iso_time("2023-11-14T23:13:20+01:00"), 1700000000000);
    EXPECT_EQ(parse_iso_time("2023-11-14T21:43:20-00:30"), 1700000000000);
}

TEST(iso_time, refuses_what_is_not_a_time)
{
    for (const char* text :
         {"", "2023-11-14", "2023-11-14T22:13:20", "2023-13-01T00:00:00Z", "2023-02-29T00:00:00Z",
          "2023-11-14T24:00:00Z", "2023-11-14T22:13:20.Z", "2023-11-14T22:13:20Zjunk",
          "1969-12-31T23:59:59Z", "2023-11-14T22:13:20+1:00", "+2023-11-14T22:13:20Z",
          "2023-1-14T22:13:20Z"}) {
        EXPECT_FALSE(parse_iso_time(text)) << text;
    }
}

} // namespace
} // namespace mailgate::core::base
