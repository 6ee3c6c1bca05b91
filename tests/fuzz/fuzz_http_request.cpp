// Raw bytes through the HTTP request reader with the session's header limit, fed in pieces the
// way reads deliver them, requests one after another as on a kept-alive connection.
//
// Input: byte 0 picks the read size (1 to 16,384 bytes); the rest is what the client sends,
// with one escape so that a few bytes of input reach the limits (16 KiB of header, Beast's
// 64 KiB per field, 256 KiB of body): 0xFF N repeats the previous byte (16 + N % 16) << (N / 16)
// >> 2 times, 4 to 253,952. A count exponential in one byte is what a mutation finds, growing
// with the byte and in steps of 1/16, so that a nearby byte is a nearby count; 0xFF 0xE0 and
// above pass 64 KiB, as a run of 0xFF (a common mutation) does. 0xFF first or last is itself.

#include "core/http/request_reader.hpp"
#include "core/http/server.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

using mailgate::core::http::request_limits;
using mailgate::core::http::request_reader;
using mailgate::core::http::server_options;

std::string expand(const std::uint8_t* data, std::size_t size, std::size_t most)
{
    std::string out;
    for (std::size_t i = 0; i < size && out.size() < most; ++i) {
        if (data[i] == 0xFF && i + 1 < size && !out.empty()) {
            const std::size_t count = (16u + data[i + 1] % 16) << (data[i + 1] / 16) >> 2;
            out.append(std::min(count, most - out.size()), out.back());
            ++i;
        } else {
            out.push_back(static_cast<char>(data[i]));
        }
    }
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0) {
        return 0;
    }
    const std::size_t piece = std::size_t{1} << (data[0] % 15);
    // The body limit scaled down from the session's 8 MiB: passing it costs a run milliseconds,
    // not seconds, even a byte at a time. The header limit is what meets Beast's 64 KiB fields.
    const request_limits limits{server_options{}.header_limit, 256 * 1024};
    // Past the largest limit, and no further: every run stays quick.
    const std::string bytes = expand(data + 1, size - 1, limits.body_limit + 128 * 1024);
    // What the reader may hold at most: a header block or trailer section at the limit, a chunk
    // line's framing, one read.
    const std::size_t bound = limits.header_limit + 64 + request_reader::read_size;

    request_reader reader(limits);
    reader.start();
    std::size_t fed = 0;
    for (;;) {
        using progress = request_reader::progress;
        switch (reader.parse()) {
        case progress::need_more: {
            if (fed == bytes.size()) {
                return 0;
            }
            const auto room = reader.prepare(piece);
            const std::size_t n = std::min(room.size(), bytes.size() - fed);
            std::memcpy(room.data(), bytes.data() + fed, n);
            reader.commit(n);
            fed += n;
            break;
        }
        case progress::header_done:
            break;
        case progress::complete: {
            const auto req = reader.release();
            if (req.body().size() > limits.body_limit) {
                std::abort();
            }
            reader.start();
            break;
        }
        case progress::refused:
            return 0;
        }
        if (reader.buffered() > bound) {
            std::abort(); // the reader's memory must stay bounded, whatever arrives
        }
    }
}
