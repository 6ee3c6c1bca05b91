#pragma once

// One HTTP/1.1 request parsed from raw bytes within the server's limits, with no socket: the
// session feeds it what it reads; the unit tests and the fuzz target feed it bytes directly.
//
// Beast's parser alone leaves three holes that a client can reach: it throws
// std::length_error for a field of 64 KiB or more (in a trailer whatever header_limit says),
// it buffers chunk extensions and trailers without any limit, and it accepts transfer codings
// that RFC 9112 says a server must refuse. The reader closes them: every byte it holds is
// bounded, the header block, chunk extensions and trailer section together count against
// header_limit, a throw from the parser refuses the request, and the framing is checked before
// any of the body is read.

#include "core/http/handler.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>

namespace mailgate::core::http {

struct request_limits {
    std::size_t header_limit; ///< header block, chunk extensions and trailers together
    std::size_t body_limit;
};

/// Why a request was refused before it reached the application. Each is answered, and the
/// connection closed, because the framing of what follows cannot be trusted.
enum class refusal {
    none,
    malformed,          ///< 400: not an HTTP/1.1 request as RFC 9112 frames one
    header_too_large,   ///< 431: over header_limit
    body_too_large,     ///< 413: over body_limit
    unsupported_coding, ///< 501: a transfer coding other than chunked
};

class request_reader {
public:
    enum class progress {
        need_more,   ///< read more into prepare(), commit(), parse() again
        header_done, ///< the header is complete and valid, the body is not; parse() goes on
        complete,    ///< release() the request
        refused,     ///< why() says why; the connection must close
    };

    /// The largest read prepare() offers.
    static constexpr std::size_t read_size = 16 * 1024;

    explicit request_reader(request_limits limits);
    request_reader(const request_reader&) = delete;
    request_reader& operator=(const request_reader&) = delete;

    /// Begins the next request; bytes already buffered (a pipelined request) are its first.
    void start();
    /// Bytes received and not yet parsed.
    std::size_t buffered() const { return buffer_.size(); }
    /// Room for the next read, at most `max` bytes.
    boost::asio::mutable_buffer prepare(std::size_t max = read_size);
    /// The first `n` bytes of prepare()'s room now hold what was read.
    void commit(std::size_t n) { buffer_.commit(n); }
    /// Parses what is buffered. header_done comes once, before any of the body is parsed, so
    /// that the caller can answer `Expect: 100-continue`.
    progress parse();

    refusal why() const { return refusal_; }
    /// Whether the client waits for `100 Continue` before it sends the body.
    bool expects_continue() const;
    /// The complete request; start() must come before the next parse().
    request release() { return parser_->release(); }

private:
    using parser = beast_http::request_parser<beast_http::string_body>;

    progress refuse(refusal why);
    progress after_header();
    progress in_body();
    void on_chunk_header(std::uint64_t size, boost::beast::string_view extensions,
                         boost::system::error_code& ec);
    std::size_t header_room() const;

    request_limits limits_;
    boost::beast::flat_buffer buffer_;
    std::optional<parser> parser_;
    // Beast keeps a reference to the callback.
    std::function<void(std::uint64_t, boost::beast::string_view, boost::system::error_code&)>
        chunk_header_callback_;
    std::size_t header_bytes_ = 0;    // of the header block, chunk extensions and trailers
    const char* input_end_ = nullptr; // of the bytes the parser is working on
    refusal refusal_ = refusal::none;
};

} // namespace mailgate::core::http
