#include "core/http/request_reader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

namespace mailgate::core::http {
namespace {

using progress = request_reader::progress;

constexpr request_limits limits{16 * 1024, 1024 * 1024};

/// Feeds `bytes` to a reader in reads of `piece` bytes, as a connection would, until the
/// request is complete or refused (or the bytes run out: need_more).
struct fed {
    progress last = progress::need_more;
    refusal why = refusal::none;
    std::vector<request> requests;
    std::size_t most_buffered = 0;
    bool saw_header_done = false;
};

fed feed(const std::string& bytes, std::size_t piece = request_reader::read_size,
         request_limits l = limits, std::size_t requests = 1)
{
    request_reader reader(l);
    reader.start();
    fed out;
    std::size_t pos = 0;
    for (;;) {
        out.last = reader.parse();
        out.most_buffered = std::max(out.most_buffered, reader.buffered());
        if (out.last == progress::header_done) {
            out.saw_header_done = true;
        } else if (out.last == progress::complete) {
            out.requests.push_back(reader.release());
            if (out.requests.size() == requests) {
                return out;
            }
            reader.start();
        } else if (out.last == progress::refused) {
            out.why = reader.why();
            return out;
        } else if (pos == bytes.size()) {
            return out;
        } else {
            const auto room = reader.prepare(piece);
            const auto n = std::min(room.size(), bytes.size() - pos);
            std::memcpy(room.data(), bytes.data() + pos, n);
            reader.commit(n);
            pos += n;
        }
    }
}

std::string chunked(const std::string& rest, const std::string& codings = "chunked")
{
    return "POST /p HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: " + codings + "\r\n\r\n" + rest;
}

TEST(RequestReader, ReadsARequestWithItsBodyWhateverTheReadSize)
{
    const std::string bytes = "POST /p HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello";
    for (std::size_t piece : {1u, 3u, 64u, 16384u}) {
        const auto r = feed(bytes, piece);
        ASSERT_EQ(r.last, progress::complete) << piece;
        EXPECT_EQ(r.requests.at(0).target(), "/p");
        EXPECT_EQ(r.requests.at(0).body(), "hello");
    }
}

TEST(RequestReader, ReadsPipelinedRequestsOneAfterAnother)
{
    const auto r = feed("GET /a HTTP/1.1\r\nHost: t\r\n\r\n" + chunked("2\r\nhi\r\n0\r\n\r\n") +
                            "GET /c HTTP/1.1\r\nHost: t\r\n\r\n",
                        request_reader::read_size, limits, 3);

    ASSERT_EQ(r.requests.size(), 3u);
    EXPECT_EQ(r.requests[0].target(), "/a");
    EXPECT_EQ(r.requests[1].body(), "hi");
    EXPECT_EQ(r.requests[2].target(), "/c");
}

TEST(RequestReader, ReportsTheHeaderBeforeTheBodySoExpectContinueCanBeAnswered)
{
    request_reader reader(limits);
    reader.start();
    const std::string header =
        "POST /p HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n";
    auto room = reader.prepare();
    std::memcpy(room.data(), header.data(), header.size());
    reader.commit(header.size());

    ASSERT_EQ(reader.parse(), progress::header_done);
    EXPECT_TRUE(reader.expects_continue());
    EXPECT_EQ(reader.parse(), progress::need_more);
    room = reader.prepare();
    std::memcpy(room.data(), "ok", 2);
    reader.commit(2);
    ASSERT_EQ(reader.parse(), progress::complete);
    EXPECT_EQ(reader.release().body(), "ok");
}

// Beast applies its header limit from where it resumes, so a header sent in small pieces could
// pass it; the reader counts the whole block.
TEST(RequestReader, HeaderBlockIsCountedWholeEvenWhenItArrivesByteByByte)
{
    std::string fields;
    while (fields.size() < limits.header_limit) {
        fields += "X-F: " + std::string(90, 'a') + "\r\n";
    }
    const std::string bytes = "GET / HTTP/1.1\r\nHost: t\r\n" + fields + "\r\n";

    for (std::size_t piece : {1u, 100u, 16384u}) {
        const auto r = feed(bytes, piece);
        EXPECT_EQ(r.why, refusal::header_too_large) << piece;
    }
}

TEST(RequestReader, HeaderBlockAtTheLimitIsAccepted)
{
    std::string bytes = "GET / HTTP/1.1\r\nHost: t\r\nX: ";
    bytes += std::string(limits.header_limit - bytes.size() - 4, 'a') + "\r\n\r\n";
    ASSERT_EQ(bytes.size(), limits.header_limit);

    EXPECT_EQ(feed(bytes, 1000).last, progress::complete);
    EXPECT_EQ(feed(bytes.insert(20, "a"), 1000).why, refusal::header_too_large);
}

TEST(RequestReader, TrailerFieldOf64KiBIsRefusedNotThrown)
{
    const auto r = feed(chunked("1\r\nx\r\n0\r\nX-Big: " + std::string(65534, 'a') + "\r\n\r\n"));
    EXPECT_EQ(r.why, refusal::header_too_large);
}

TEST(RequestReader, HeaderFieldOf64KiBUnderALargerHeaderLimitIsRefusedNotThrown)
{
    const request_limits large{1024 * 1024, 1024};
    const auto r = feed("GET / HTTP/1.1\r\nX-Big: " + std::string(65534, 'a') + "\r\n\r\n",
                        request_reader::read_size, large);
    EXPECT_EQ(r.why, refusal::header_too_large);
}

// Beast 1.81 asserts that a last chunk it resumes holds 5 bytes, but "0\r\n" of a body with
// no other chunk is 3 (boostorg/beast#2861): in a build with assertions a client sending its
// last chunk in pieces aborted the gateway. Every way of cutting the bytes must read them.
TEST(RequestReader, LastChunkInPiecesIsReadWhereverItIsCut)
{
    for (const std::string body : {"0\r\n\r\n", "0\r\nX-T: v\r\n\r\n", "1\r\nx\r\n0\r\n\r\n"}) {
        for (std::size_t piece : {1u, 2u, 3u, 4u}) {
            const auto r = feed(chunked(body), piece);
            ASSERT_EQ(r.last, progress::complete) << piece;
            EXPECT_EQ(r.requests.at(0).body(), body[0] == '1' ? "x" : "");
        }
    }
}

TEST(RequestReader, TrailersWithinTheHeaderLimitAreKept)
{
    const auto r = feed(chunked("2\r\nhi\r\n0\r\nX-Sum: abc\r\n\r\n"));
    ASSERT_EQ(r.last, progress::complete);
    EXPECT_EQ(r.requests.at(0).body(), "hi");
    EXPECT_EQ(r.requests.at(0)["X-Sum"], "abc");
}

// The header block and the trailers share header_limit: together they may not exceed it.
TEST(RequestReader, TrailersCountWithTheHeaderBlockAgainstTheHeaderLimit)
{
    const std::string head = chunked("");
    const std::string trailer_of = "X-T: ";
    const auto request_with_trailer = [&](std::size_t value) {
        return head + "0\r\n" + trailer_of + std::string(value, 'a') + "\r\n\r\n";
    };
    // header block + "X-T: " + value + CRLF + CRLF
    const std::size_t fits = limits.header_limit - head.size() - trailer_of.size() - 4;

    EXPECT_EQ(feed(request_with_trailer(fits)).last, progress::complete);
    EXPECT_EQ(feed(request_with_trailer(fits + 1)).why, refusal::header_too_large);
}

TEST(RequestReader, EndlessTrailerSectionIsRefusedWithTheBufferBounded)
{
    std::string trailers;
    while (trailers.size() < 1024 * 1024) {
        trailers += "X-Pad: " + std::string(100, 'a') + "\r\n";
    }
    const auto r = feed(chunked("1\r\nx\r\n0\r\n" + trailers));

    EXPECT_EQ(r.why, refusal::header_too_large);
    EXPECT_LE(r.most_buffered, limits.header_limit + 64 + request_reader::read_size);
}

TEST(RequestReader, ChunkExtensionsCountAgainstTheHeaderLimit)
{
    std::string chunks;
    for (int i = 0; i < 20; ++i) {
        chunks += "1;ext=" + std::string(1000, 'e') + "\r\nx\r\n";
    }
    EXPECT_EQ(feed(chunked(chunks + "0\r\n\r\n")).why, refusal::header_too_large);
    EXPECT_EQ(feed(chunked("1;a=b\r\nx\r\n0;c=d\r\n\r\n")).last, progress::complete);
}

TEST(RequestReader, EndlessChunkLineIsRefusedWithTheBufferBounded)
{
    const auto r = feed(chunked("1;x=" + std::string(1024 * 1024, 'a')), 4096);

    EXPECT_EQ(r.why, refusal::header_too_large);
    EXPECT_LE(r.most_buffered, limits.header_limit + 64 + request_reader::read_size);
}

TEST(RequestReader, BodyOverTheLimitIsRefusedFromContentLengthOrChunkSizes)
{
    const request_limits small{16 * 1024, 4};
    EXPECT_EQ(feed("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n", 16384, small).why,
              refusal::body_too_large);
    EXPECT_EQ(feed(chunked("3\r\nabc\r\n3\r\nabc\r\n0\r\n\r\n"), 16384, small).why,
              refusal::body_too_large);
}

TEST(RequestReader, GarbageIsMalformed)
{
    EXPECT_EQ(feed("NOT HTTP AT ALL\r\n\r\n").why, refusal::malformed);
    EXPECT_EQ(feed(chunked("zz\r\n")).why, refusal::malformed);
}

struct coding_case {
    std::string fields;
    refusal expected;
};

class TransferCoding : public ::testing::TestWithParam<coding_case> {};

// RFC 9112 §6.1, §6.3: chunked once and last, or no Transfer-Encoding at all.
TEST_P(TransferCoding, IsJudgedBeforeAnyOfTheBodyIsRead)
{
    const auto r = feed("POST /p HTTP/1.1\r\nHost: t\r\n" + GetParam().fields + "\r\n" +
                        "5\r\nhello\r\n0\r\n\r\n");
    EXPECT_EQ(r.why, GetParam().expected) << GetParam().fields;
    if (GetParam().expected == refusal::none) {
        EXPECT_EQ(r.requests.at(0).body(), "hello");
    }
}

INSTANTIATE_TEST_SUITE_P(
    RequestReader, TransferCoding,
    ::testing::Values(
        coding_case{"Transfer-Encoding: chunked\r\n", refusal::none},
        coding_case{"Transfer-Encoding: CHUNKED\r\n", refusal::none},
        coding_case{"Transfer-Encoding: identity\r\n", refusal::malformed},
        coding_case{"Transfer-Encoding: gzip\r\n", refusal::malformed},
        coding_case{"Transfer-Encoding: chunked, gzip\r\n", refusal::malformed},
        coding_case{"Transfer-Encoding: chunked, chunked\r\n", refusal::malformed},
        coding_case{"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
                    refusal::malformed},
        coding_case{"Transfer-Encoding: \r\n", refusal::malformed},
        coding_case{"Transfer-Encoding: gzip\r\nContent-Length: 19\r\n", refusal::malformed},
        coding_case{"Content-Length: 19\r\nTransfer-Encoding: chunked\r\n", refusal::malformed},
        coding_case{"Transfer-Encoding: gzip, chunked\r\n", refusal::unsupported_coding},
        coding_case{"Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n",
                    refusal::unsupported_coding}));

TEST(RequestReader, TransferEncodingInHttp10IsMalformed)
{
    EXPECT_EQ(feed("POST /p HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n").why,
              refusal::malformed);
}

} // namespace
} // namespace mailgate::core::http
