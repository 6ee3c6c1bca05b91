// Bytes as the JSON body of POST /v1/messages through parse_message_request and, for a request
// it takes, through the MIME builder as message_composer uses it: the entity once, the head
// per recipient (for the first three), without a driver.
//
// Input: the body as it is (JSON is text a mutation handles well; the dict gives the fields).
// A refusal is a request_error naming the field; the builder's message_error is one too (the
// composer turns it into one). What is built keeps mime_message.hpp's promises: CRLF line ends,
// no line over 998 octets, the caller's header fields one field each (no header injection),
// the entity's body decoding back to the text in canonical form, multipart boundaries that
// the content does not hold.

#include "core/addressing/address.hpp"
#include "core/encoding/ascii.hpp"
#include "core/encoding/base64.hpp"
#include "core/outbound/mime/mime_message.hpp"
#include "core/outbound/request/message_request.hpp"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace addressing = mailgate::core::addressing;
namespace encoding = mailgate::core::encoding;
namespace outbound = mailgate::core::outbound;

void check(bool ok)
{
    if (!ok) {
        std::abort();
    }
}

// CRLF only, every line at most 998 octets without it, the text ending with a line break.
std::vector<std::string_view> lines_of(std::string_view text)
{
    std::vector<std::string_view> lines;
    check(text.ends_with("\r\n"));
    for (std::size_t start = 0; start < text.size();) {
        const std::size_t end = text.find("\r\n", start);
        const auto line = text.substr(start, end - start);
        check(line.find_first_of("\r\n") == std::string_view::npos);
        check(line.size() <= 998);
        lines.push_back(line);
        start = end + 2;
    }
    return lines;
}

bool is_ftext(std::string_view name)
{
    for (const char c : name) {
        if (c < 33 || c > 126 || c == ':') {
            return false;
        }
    }
    return !name.empty();
}

// Header lines: a field "Name: value" or its folded continuation (white space first). The
// names of the fields, in order.
std::vector<std::string> field_names(const std::vector<std::string_view>& lines)
{
    std::vector<std::string> names;
    for (const auto line : lines) {
        check(!line.empty() && line.find('\0') == std::string_view::npos);
        if (line[0] == ' ' || line[0] == '\t') {
            check(!names.empty());
            continue;
        }
        const auto colon = line.find(':');
        check(colon != std::string_view::npos && is_ftext(line.substr(0, colon)));
        names.emplace_back(line.substr(0, colon));
    }
    return names;
}

void check_head(std::string_view head, const outbound::mime::message_spec& spec)
{
    const auto names = field_names(lines_of(head));
    static const std::set<std::string> own = {
        "date",        "from",       "reply-to",         "to",
        "subject",     "message-id", "list-unsubscribe", "list-unsubscribe-post",
        "mime-version"};
    std::size_t extra = 0;
    std::set<std::string> seen;
    for (const auto& name : names) {
        if (own.contains(encoding::ascii_lower(name))) {
            check(seen.insert(encoding::ascii_lower(name)).second); // one each
        } else {
            ++extra;
        }
    }
    check(extra == spec.headers.size());
    check(seen.contains("from") && seen.contains("to") && seen.contains("date") &&
          seen.contains("message-id") && seen.contains("mime-version"));
    check(names.back() == "MIME-Version");
}

std::optional<int> hex_digit(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return std::nullopt;
}

// RFC 2045 §6.7, as the encoder writes it: upper-case escapes, soft breaks "=" CRLF.
std::string quoted_printable_decode(std::string_view text)
{
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '=') {
            out += text[i];
            continue;
        }
        if (text.substr(i + 1, 2) == "\r\n") {
            i += 2;
            continue;
        }
        check(i + 2 < text.size());
        const auto hi = hex_digit(text[i + 1]);
        const auto lo = hex_digit(text[i + 2]);
        check(hi && lo);
        out += static_cast<char>(*hi * 16 + *lo);
        i += 2;
    }
    return out;
}

// The text as lines (a line ends at CRLF, a lone CR or a lone LF), each ended by CRLF: written
// apart from the builder's own loop, so that the check does not mirror it.
std::string canonical_text(std::string_view text)
{
    std::string out;
    while (!text.empty()) {
        const auto end = std::min(text.find_first_of("\r\n"), text.size());
        out.append(text.substr(0, end));
        out += "\r\n";
        text.remove_prefix(end);
        const bool crlf = text.starts_with("\r\n");
        text.remove_prefix(text.empty() ? 0 : crlf ? 2 : 1);
    }
    return out.empty() ? "\r\n" : out;
}

std::string field_value(std::string_view fields, std::string_view name)
{
    for (const auto line : lines_of(fields)) {
        if (line.starts_with(std::string(name) + ": ")) {
            return std::string(line.substr(name.size() + 2));
        }
    }
    return {};
}

void check_entity(std::string_view entity, const outbound::request::message_request& r)
{
    const auto blank = entity.find("\r\n\r\n");
    check(blank != std::string_view::npos);
    const auto fields = entity.substr(0, blank + 2);
    const auto body = entity.substr(blank + 4);
    lines_of(entity);
    field_names(lines_of(fields));
    const std::string type = field_value(fields, "Content-Type");
    if (type.starts_with("multipart/")) {
        check(!r.attachments.empty() || (!r.text.empty() && !r.html.empty()));
        const auto at = type.find("boundary=\"");
        check(at != std::string::npos && type.ends_with("\""));
        const std::string boundary = type.substr(at + 10, type.size() - at - 11);
        // The boundary only in delimiter lines, the last one closing.
        const std::string delimiter = "--" + boundary;
        check(body.ends_with(delimiter + "--\r\n"));
        for (std::size_t at = body.find(boundary); at != std::string_view::npos;
             at = body.find(boundary, at + 1)) {
            check(at >= 2 && body.substr(at - 2, 2) == "--" && (at == 2 || body[at - 3] == '\n'));
        }
        return;
    }
    // One part: the text or the html, whichever there is, and it decodes back.
    check(r.attachments.empty() && (r.text.empty() || r.html.empty()));
    const std::string& text = r.text.empty() ? r.html : r.text;
    check(type == (r.text.empty() ? "text/html; charset=utf-8" : "text/plain; charset=utf-8"));
    const std::string transfer = field_value(fields, "Content-Transfer-Encoding");
    std::string decoded;
    if (transfer == "7bit") {
        decoded = std::string(body);
    } else if (transfer == "quoted-printable") {
        decoded = quoted_printable_decode(body);
    } else {
        check(transfer == "base64");
        std::string joined;
        for (const auto line : lines_of(body)) {
            check(line.size() <= 76);
            joined += line;
        }
        const auto bytes = encoding::base64_decode(joined);
        check(bytes.has_value());
        decoded = *bytes;
    }
    check(decoded == canonical_text(text));
}

std::optional<outbound::request::message_request> parse(std::string_view body)
{
    try {
        return outbound::request::parse_message_request(body);
    } catch (const outbound::request::request_error& e) {
        check(std::string_view(e.what()).find(": ") != std::string_view::npos);
        return std::nullopt;
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const auto r = parse(std::string_view(reinterpret_cast<const char*>(data), size));
    if (!r) {
        return 0;
    }
    check(!r->provider.empty() && !r->to.empty() &&
          r->to.size() <= outbound::request::max_recipients);
    check(!r->text.empty() || !r->html.empty());
    check(r->campaign_id.size() <= 40);
    for (const auto& [name, value] : r->headers) {
        outbound::mime::check_extra_header(name, value); // taken, so it passes
    }

    std::string entity;
    try {
        entity = outbound::mime::build_entity(r->text, r->html, r->attachments);
    } catch (const outbound::mime::message_error& e) {
        check(std::string_view(e.what()).size() > 0);
        return 0;
    }
    check_entity(entity, *r);

    const outbound::mime::mailbox sender{"Mailgate Fuzz",
                                         addressing::parse_address("sender@example.com")};
    for (std::size_t i = 0; i < r->to.size() && i < 3; ++i) {
        outbound::mime::message_spec spec;
        spec.from = r->from.value_or(sender);
        spec.to = r->to[i].to;
        spec.subject = r->subject;
        spec.headers = r->headers;
        spec.message_id = "0191d1a3b0c47e1a9f00000" + std::to_string(i) + "@example.com";
        spec.date = std::chrono::system_clock::time_point(std::chrono::seconds(1'780'000'000));
        spec.list_unsubscribe_url = "https://example.com/u/u1AAAA.BBBB";
        std::string head;
        try {
            head = outbound::mime::build_head(spec);
        } catch (const outbound::mime::message_error& e) {
            check(std::string_view(e.what()).size() > 0);
            continue;
        }
        check_head(head, spec);
        if (i == 0) {
            spec.text = r->text;
            spec.html = r->html;
            spec.attachments = r->attachments;
            const std::string message = outbound::mime::build_message(spec);
            check(message.starts_with(head));
            check_entity(std::string_view(message).substr(head.size()), *r);
        }
    }
    return 0;
}
