#include "core/outbound/mime/mime_part.hpp"

#include "core/addressing/rfc5322.hpp"
#include "core/encoding/base64.hpp"
#include "core/encoding/hex_escape.hpp"
#include "core/encoding/utf8.hpp"
#include "core/outbound/mime/header_encoding.hpp"
#include "core/outbound/mime/quoted_printable.hpp"
#include "core/outbound/mime/random_token.hpp"

#include <boost/algorithm/string/case_conv.hpp>

#include <algorithm>

namespace mailgate::core::outbound::mime {
namespace {

constexpr std::size_t base64_line = 76;
constexpr std::size_t max_filename = 255;

std::string canonical_text(std::string_view text)
{
    std::string out;
    out.reserve(text.size() + 2);
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\r' || text[i] == '\n') {
            out += "\r\n";
            i += text.substr(i, 2) == "\r\n" ? 1 : 0;
        } else {
            out += text[i];
        }
    }
    if (!out.ends_with("\r\n")) {
        out += "\r\n";
    }
    return out;
}

std::size_t longest_line(std::string_view text)
{
    std::size_t longest = 0;
    for (std::size_t start = 0; start < text.size();) {
        const std::size_t end = std::min(text.find("\r\n", start), text.size());
        longest = std::max(longest, end - start);
        start = end + 2;
    }
    return longest;
}

// For canonical text, where CR and LF only come as line breaks.
std::string_view transfer_encoding_for(std::string_view text)
{
    const auto unprintable =
        static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
            const auto b = static_cast<unsigned char>(c);
            return (b < 0x20 && c != '\t' && c != '\r' && c != '\n') || b > 0x7e;
        }));
    if (unprintable == 0 && longest_line(text) <= folded_line_length) {
        return "7bit";
    }
    // Quoted-printable is n + 2k characters for k escaped octets, base64 4n/3.
    return unprintable * 6 <= text.size() ? "quoted-printable" : "base64";
}

std::string base64_lines(std::string_view data)
{
    const std::string encoded = encoding::base64_encode(data);
    std::string out;
    for (std::size_t i = 0; i < encoded.size(); i += base64_line) {
        out.append(encoded, i, base64_line).append("\r\n");
    }
    return out;
}

std::string encode_body(std::string_view text, std::string_view transfer_encoding)
{
    if (transfer_encoding == "quoted-printable") {
        return quoted_printable_encode(text);
    }
    if (transfer_encoding == "base64") {
        return base64_lines(text);
    }
    return std::string(text);
}

bool is_attr_char(char c)
{
    return addressing::rfc5322::is_alnum(c) ||
           std::string_view("!#$&+-.^_`|~").find(c) != std::string_view::npos;
}

// RFC 2231 extended value, with RFC 5987's set of characters left unescaped.
std::string percent_encoded(std::string_view text)
{
    std::string out;
    for (const char c : text) {
        out += is_attr_char(c) ? std::string(1, c) : encoding::hex_escape('%', c);
    }
    return out;
}

std::string filename_parameter(std::string_view name)
{
    if (name.empty()) {
        throw message_error("an attachment has no file name");
    }
    if (name.size() > max_filename) {
        throw message_error("an attachment's file name is " + std::to_string(name.size()) +
                            " octets; at most " + std::to_string(max_filename));
    }
    if (!encoding::is_valid_utf8(name) || std::any_of(name.begin(), name.end(), [](char c) {
            return (c >= 0 && c < 0x20) || c == 0x7f;
        })) {
        throw message_error("an attachment's file name has a control character or is not UTF-8");
    }
    return addressing::rfc5322::is_header_text(name)
               ? "filename=" + addressing::rfc5322::quoted_string(name)
               : "filename*=utf-8''" + percent_encoded(name);
}

bool is_token(std::string_view text)
{
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
        return c > 0x20 && c < 0x7f &&
               std::string_view("()<>@,;:\\\"/[]?=").find(c) == std::string_view::npos;
    });
}

std::string media_type(const attachment& file)
{
    if (file.content_type.empty()) {
        return "application/octet-stream";
    }
    const auto slash = file.content_type.find('/');
    if (slash == std::string::npos || !is_token(file.content_type.substr(0, slash)) ||
        !is_token(file.content_type.substr(slash + 1))) {
        throw message_error("the attachment " + addressing::rfc5322::quoted_string(file.filename) +
                            " has a content type that is not type/subtype");
    }
    return boost::algorithm::to_lower_copy(file.content_type);
}

// "=_" occurs in no quoted-printable or base64 text; the check is for 7bit parts.
std::string boundary_for(const std::vector<std::string>& parts)
{
    for (;;) {
        std::string boundary = "=_" + random_token();
        if (std::none_of(parts.begin(), parts.end(), [&](const std::string& part) {
                return part.find(boundary) != std::string::npos;
            })) {
            return boundary;
        }
    }
}

} // namespace

mime_part text_part(std::string_view subtype, std::string_view text)
{
    if (!encoding::is_valid_utf8(text)) {
        throw message_error("the text/" + std::string(subtype) + " body is not valid UTF-8");
    }
    const std::string canonical = canonical_text(text);
    const auto transfer_encoding = transfer_encoding_for(canonical);
    return {header_line("Content-Type", "text/" + std::string(subtype) + "; charset=utf-8") +
                header_line("Content-Transfer-Encoding", transfer_encoding),
            encode_body(canonical, transfer_encoding)};
}

mime_part attachment_part(const attachment& file)
{
    const std::string disposition = "attachment; " + filename_parameter(file.filename);
    return {header_line("Content-Type", media_type(file)) +
                header_line("Content-Transfer-Encoding", "base64") +
                header_line("Content-Disposition", disposition),
            base64_lines(file.content)};
}

mime_part multipart(std::string_view subtype, const std::vector<mime_part>& parts)
{
    std::vector<std::string> rendered;
    std::transform(parts.begin(), parts.end(), std::back_inserter(rendered), render);
    const std::string boundary = boundary_for(rendered);
    std::string body;
    for (const auto& part : rendered) {
        body += "--" + boundary + "\r\n" + part + "\r\n";
    }
    body += "--" + boundary + "--\r\n";
    return {header_line("Content-Type",
                        "multipart/" + std::string(subtype) + "; boundary=\"" + boundary + "\""),
            std::move(body)};
}

std::string render(const mime_part& part)
{
    return part.headers + "\r\n" + part.body;
}

} // namespace mailgate::core::outbound::mime
