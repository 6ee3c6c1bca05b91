#include "core/http/request_reader.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/rfc7230.hpp>

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string_view>

namespace mailgate::core::http {
namespace {

namespace beast = boost::beast;
using boost::system::error_code;

// Once the header is parsed, what stays unparsed is an incomplete chunk-size line or trailer
// section (the body's own bytes are parsed as they arrive). Besides the extensions and trailer
// fields it holds a few bytes of framing: CRLFs, the hex size, the last chunk's "0".
constexpr std::size_t framing_slack = 64;

// Beast 1.81 asserts that a last chunk it resumes parsing holds at least 5 bytes, though one
// that is the body's only chunk takes 3, "0" CRLF (boostorg/beast#2861): in a build with
// assertions, a client that sent that and then the final CRLF in pieces aborted the process.
// Such a body is not complete before it has 5 bytes, so a short one that starts with the last
// chunk's "0" waits for them; anything else goes to the parser, which refuses garbage at once.
constexpr std::size_t least_last_chunk = 5;

// RFC 9112 §6.1 and §6.3 (a list, empty elements allowed): a request with Transfer-Encoding is
// framed by chunked, applied once and last, or it cannot be framed at all (400; answering what
// follows as a request is how requests are smuggled past a proxy). HTTP/1.0 has no transfer
// codings, and Content-Length beside one is a conflict. Codings before chunked are valid but not
// implemented here.
refusal check_transfer_coding(const request& req)
{
    const auto fields = req.equal_range(beast_http::field::transfer_encoding);
    if (fields.first == fields.second) {
        return refusal::none;
    }
    std::size_t codings = 0;
    std::size_t chunked = 0;
    bool last_chunked = false;
    for (auto field = fields.first; field != fields.second; ++field) {
        const beast_http::opt_token_list list{field->value()};
        if (!beast_http::validate_list(list)) {
            return refusal::malformed;
        }
        for (const auto& coding : list) {
            ++codings;
            last_chunked = beast::iequals(coding, "chunked");
            chunked += last_chunked ? 1 : 0;
        }
    }
    if (req.version() < 11 || req.count(beast_http::field::content_length) > 0 || !last_chunked ||
        chunked > 1) {
        return refusal::malformed;
    }
    return codings > 1 ? refusal::unsupported_coding : refusal::none;
}

refusal refusal_for(error_code ec)
{
    if (ec == beast_http::error::body_limit) {
        return refusal::body_too_large;
    }
    if (ec == beast_http::error::header_limit) {
        return refusal::header_too_large;
    }
    return refusal::malformed;
}

} // namespace

request_reader::request_reader(request_limits limits)
    : limits_(limits),
      chunk_header_callback_([this](std::uint64_t size, beast::string_view extensions,
                                    error_code& ec) { on_chunk_header(size, extensions, ec); })
{
}

void request_reader::start()
{
    parser_.emplace();
    // Beast applies its limit from where it resumes, so it can only be looser than ours.
    parser_->header_limit(static_cast<std::uint32_t>(
        std::min<std::size_t>(limits_.header_limit, std::numeric_limits<std::uint32_t>::max())));
    parser_->body_limit(limits_.body_limit);
    parser_->on_chunk_header(chunk_header_callback_);
    header_bytes_ = 0;
    refusal_ = refusal::none;
}

boost::asio::mutable_buffer request_reader::prepare(std::size_t max)
{
    return buffer_.prepare(std::min(max, read_size));
}

request_reader::progress request_reader::parse()
{
    if (refusal_ != refusal::none) {
        return progress::refused;
    }
    if (parser_->is_done()) {
        return progress::complete;
    }
    const bool in_header = !parser_->is_header_done();
    if (buffer_.size() == 0 ||
        (!in_header && parser_->chunked() && buffer_.size() < least_last_chunk &&
         *static_cast<const char*>(buffer_.data().data()) == '0')) {
        return progress::need_more;
    }
    error_code ec;
    std::size_t used = 0;
    try {
        const auto data = buffer_.data();
        input_end_ = static_cast<const char*>(data.data()) + data.size();
        used = parser_->put(data, ec);
    } catch (const std::length_error&) {
        // Beast's fields hold at most 64 KiB each.
        return refuse(refusal::header_too_large);
    } catch (const std::exception&) {
        return refuse(refusal::malformed);
    }
    buffer_.consume(used);
    if (in_header) {
        header_bytes_ += used;
    }
    if (ec && ec != beast_http::error::need_more) {
        return refuse(refusal_for(ec));
    }
    if (!in_header) {
        return in_body();
    }
    // Beast's window starts after the request line, so a block can pass it by that much.
    const bool done = parser_->is_header_done();
    if (header_bytes_ + (done ? 0 : buffer_.size()) > limits_.header_limit) {
        return refuse(refusal::header_too_large);
    }
    return done ? after_header() : progress::need_more;
}

bool request_reader::expects_continue() const
{
    const auto& req = parser_->get();
    return !parser_->is_done() && req.version() >= 11 &&
           beast::iequals(req[beast_http::field::expect], "100-continue");
}

request_reader::progress request_reader::refuse(refusal why)
{
    refusal_ = why;
    return progress::refused;
}

// The header was parsed without the body (the parser was not eager): a request whose framing
// is refused has none of its body read, and Beast would take a body it cannot frame as the
// next request.
request_reader::progress request_reader::after_header()
{
    if (const auto why = check_transfer_coding(parser_->get()); why != refusal::none) {
        return refuse(why);
    }
    parser_->eager(true);
    if (parser_->is_done()) {
        return progress::complete;
    }
    return progress::header_done;
}

request_reader::progress request_reader::in_body()
{
    if (parser_->is_done()) {
        return progress::complete;
    }
    return buffer_.size() > header_room() + framing_slack ? refuse(refusal::header_too_large)
                                                          : progress::need_more;
}

// Called by the parser with each chunk-size line's extensions (a view into buffer_). The last
// chunk's comes once Beast holds the whole trailer section, and before it parses the fields:
// refusing here is what keeps a 64 KiB trailer field from reaching Beast's fields, which
// throw.
void request_reader::on_chunk_header(std::uint64_t size, beast::string_view extensions,
                                     error_code& ec)
{
    header_bytes_ += extensions.size();
    if (size == 0) {
        // From the CRLF that ends the last chunk's line to the CRLF CRLF that ends the message.
        const char* line_end = extensions.data() + extensions.size();
        const std::string_view rest(line_end, static_cast<std::size_t>(input_end_ - line_end));
        const auto end = rest.find("\r\n\r\n");
        header_bytes_ += end == std::string_view::npos ? rest.size() : end + 2;
    }
    if (header_bytes_ > limits_.header_limit) {
        ec = beast_http::error::header_limit;
    }
}

std::size_t request_reader::header_room() const
{
    return limits_.header_limit - std::min(limits_.header_limit, header_bytes_);
}

} // namespace mailgate::core::http
