#include "core/bounces/mime_walk.hpp"
#include "core/encoding/ascii.hpp"

#include "core/bounces/bounce_classifier.hpp"
#include "core/bounces/text_scan.hpp"

#include <gmime/gmime.h>

#include <memory>
#include <mutex>

namespace mailgate::core::bounces {
namespace {

struct g_object_unref_deleter {
    void operator()(gpointer p) const noexcept { g_object_unref(p); }
};
template <typename T>
using g_ptr = std::unique_ptr<T, g_object_unref_deleter>;

struct g_free_deleter {
    void operator()(gpointer p) const noexcept { g_free(p); }
};
using g_string = std::unique_ptr<char, g_free_deleter>;

void init_gmime()
{
    static std::once_flag once;
    std::call_once(once, [] { g_mime_init(); });
}

// Where the line starting at `at` declares a content type that GMime would parse, and whether
// that type is a container (multipart, message) that deepens GMime's tree.
enum class declared { none, leaf, container };

declared content_type_line(std::string_view line) noexcept
{
    if (!istarts_with(line, "content-type:")) {
        return declared::none;
    }
    const auto value = trim(line.substr(13));
    return istarts_with(value, "multipart/") || istarts_with(value, "message/")
               ? declared::container
               : declared::leaf;
}

// The offset before which GMime is given the message: its tree stays within the bounds.
std::size_t parse_limit(std::string_view text) noexcept
{
    std::size_t types = 0;
    std::size_t containers = 0;
    std::size_t from = 0;
    while (from < text.size()) {
        const auto nl = text.find('\n', from);
        const auto end = nl == std::string_view::npos ? text.size() : nl;
        const auto kind = content_type_line(text.substr(from, end - from));
        if (kind != declared::none &&
            (++types >= max_content_types ||
             (kind == declared::container && ++containers >= max_container_types))) {
            return from;
        }
        from = end + 1;
    }
    return text.size();
}

std::string html_as_text(std::string_view html)
{
    std::string out;
    out.reserve(html.size());
    bool in_tag = false;
    for (std::size_t i = 0; i < html.size(); ++i) {
        const char c = html[i];
        if (in_tag) {
            in_tag = c != '>';
            continue;
        }
        if (c == '<') {
            const auto tag = html.substr(i + 1, 4);
            if (istarts_with(tag, "br") || istarts_with(tag, "p") || istarts_with(tag, "/p") ||
                istarts_with(tag, "div") || istarts_with(tag, "/div") || istarts_with(tag, "tr") ||
                istarts_with(tag, "li")) {
                out.push_back('\n');
            }
            in_tag = true;
            continue;
        }
        out.push_back(c);
    }
    // The entities that wrap addresses and codes.
    static constexpr std::pair<std::string_view, std::string_view> entities[] = {
        {"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}, {"&nbsp;", " "}, {"&quot;", "\""}};
    for (const auto& [from, to] : entities) {
        for (auto at = out.find(from); at != std::string::npos; at = out.find(from, at)) {
            out.replace(at, from.size(), to);
            at += to.size();
        }
    }
    return out;
}

std::string decoded_content(GMimePart* part)
{
    GMimeDataWrapper* content = g_mime_part_get_content(part);
    if (content == nullptr) {
        return {};
    }
    const g_ptr<GMimeStream> stream(g_mime_stream_mem_new());
    g_mime_data_wrapper_write_to_stream(content, stream.get());
    GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream.get()));
    const auto size = std::min<std::size_t>(bytes->len, max_text_bytes);
    std::string out(reinterpret_cast<const char*>(bytes->data), size);
    for (auto& c : out) {
        if (c == '\0') {
            c = ' ';
        } else if (c == '\r') {
            c = '\n';
        }
    }
    return out;
}

std::string text_of(GMimeObject* object)
{
    if (GMIME_IS_TEXT_PART(object)) {
        const g_string text(g_mime_text_part_get_text(GMIME_TEXT_PART(object)));
        if (text) {
            std::string out(text.get(), strnlen(text.get(), max_text_bytes));
            for (auto& c : out) {
                c = c == '\r' ? '\n' : c;
            }
            return out;
        }
    }
    return GMIME_IS_PART(object) ? decoded_content(GMIME_PART(object)) : std::string{};
}

void append_bounded(std::string& to, std::string_view what)
{
    if (to.size() >= max_text_bytes) {
        return;
    }
    if (!to.empty()) {
        to.push_back('\n');
    }
    to.append(what.substr(0, max_text_bytes - to.size()));
}

field_group headers_of(GMimeObject* object)
{
    field_group out;
    GMimeHeaderList* list = g_mime_object_get_header_list(object);
    const int count = list == nullptr ? 0 : g_mime_header_list_get_count(list);
    for (int i = 0; i < count; ++i) {
        GMimeHeader* h = g_mime_header_list_get_header_at(list, i);
        const char* name = g_mime_header_get_name(h);
        const char* value = g_mime_header_get_value(h);
        if (name != nullptr) {
            out.add({encoding::ascii_lower(name), fold_space(value == nullptr ? "" : value, 4096)});
        }
    }
    return out;
}

std::string header_lines(const field_group& headers)
{
    std::string out;
    for (const auto& f : headers.fields()) {
        out.append(f.name).append(": ").append(f.value).push_back('\n');
    }
    return out;
}

std::string mime_type_of(GMimeObject* object)
{
    GMimeContentType* type = g_mime_object_get_content_type(object);
    if (type == nullptr) {
        return "text/plain";
    }
    const char* media = g_mime_content_type_get_media_type(type);
    const char* sub = g_mime_content_type_get_media_subtype(type);
    return encoding::ascii_lower(std::string(media ? media : "text") + "/" + (sub ? sub : "plain"));
}

class walker {
public:
    explicit walker(message_parts& out) : out_(out) {}

    void visit(GMimeObject* object, std::size_t depth)
    {
        if (object == nullptr || depth > max_depth || ++visited_ > max_parts) {
            return;
        }
        if (GMIME_IS_MULTIPART(object)) {
            visit_multipart(GMIME_MULTIPART(object), depth);
        } else if (GMIME_IS_MESSAGE_PART(object)) {
            visit_returned(GMIME_MESSAGE_PART(object));
        } else {
            visit_leaf(object);
        }
    }

    void finish() { out_.text = plain_.empty() ? html_as_text(html_) : std::move(plain_); }

private:
    void visit_multipart(GMimeMultipart* multipart, std::size_t depth)
    {
        const int count = g_mime_multipart_get_count(multipart);
        for (int i = 0; i < count && visited_ <= max_parts; ++i) {
            visit(g_mime_multipart_get_part(multipart, i), depth + 1);
        }
    }

    void visit_returned(GMimeMessagePart* part)
    {
        GMimeMessage* message = g_mime_message_part_get_message(part);
        if (message == nullptr || out_.has_original_part) {
            return;
        }
        out_.has_original_part = true;
        out_.original_headers = header_lines(headers_of(GMIME_OBJECT(message)));
    }

    void visit_leaf(GMimeObject* object)
    {
        const auto type = mime_type_of(object);
        if (type == "message/delivery-status" || type == "message/global-delivery-status") {
            append_bounded(out_.delivery_status, text_of(object));
        } else if (type == "message/feedback-report") {
            if (out_.feedback_report.empty()) {
                out_.feedback_report = text_of(object);
            }
        } else if (type == "text/rfc822-headers" || type == "message/global-headers") {
            if (!out_.has_original_part) {
                out_.has_original_part = true;
                out_.original_headers = text_of(object);
            }
        } else if (type == "text/plain" || type == "text/plain-bounce") {
            append_bounded(plain_, text_of(object));
        } else if (type == "text/html") {
            append_bounded(html_, text_of(object));
        }
    }

    message_parts& out_;
    std::string plain_;
    std::string html_;
    std::size_t visited_ = 0;
};

} // namespace

std::string prepare_input(std::string_view raw)
{
    raw = raw.substr(0, max_input_bytes);
    if (raw.starts_with("From ")) {
        const auto nl = raw.find('\n');
        raw.remove_prefix(nl == std::string_view::npos ? raw.size() : nl + 1);
    }
    std::string out;
    out.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
        const char c = raw[i];
        if (c == '\r') {
            out.push_back('\n');
            i += (i + 1 < raw.size() && raw[i + 1] == '\n') ? 1 : 0;
        } else {
            out.push_back(c == '\0' ? ' ' : c);
        }
    }
    out.resize(parse_limit(out));
    return out;
}

message_parts walk_message(std::string_view prepared)
{
    init_gmime();
    message_parts out;
    const g_ptr<GMimeStream> stream(
        g_mime_stream_mem_new_with_buffer(prepared.data(), prepared.size()));
    const g_ptr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
    g_mime_parser_set_format(parser.get(), GMIME_FORMAT_MESSAGE);
    const g_ptr<GMimeMessage> message(g_mime_parser_construct_message(parser.get(), nullptr));
    if (!message) {
        return out;
    }
    out.headers = headers_of(GMIME_OBJECT(message.get()));
    GMimeObject* body = g_mime_message_get_mime_part(message.get());
    if (body != nullptr) {
        out.content_type = mime_type_of(body);
        GMimeContentType* type = g_mime_object_get_content_type(body);
        const char* report =
            type ? g_mime_content_type_get_parameter(type, "report-type") : nullptr;
        out.report_type = encoding::ascii_lower(report ? report : "");
    }
    walker w(out);
    w.visit(body, 0);
    w.finish();
    if (out.text.empty() && out.delivery_status.empty() && out.feedback_report.empty()) {
        // A multipart whose boundary the body never uses (GMime sees no parts): its raw body
        // is still what the MTA wrote.
        const auto end_of_headers = prepared.find("\n\n");
        if (end_of_headers != std::string_view::npos) {
            out.text = std::string(prepared.substr(end_of_headers + 2, max_text_bytes));
        }
    }
    return out;
}

} // namespace mailgate::core::bounces
