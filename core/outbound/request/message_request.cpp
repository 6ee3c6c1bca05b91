#include "core/outbound/request/message_request.hpp"

#include "core/attribution/meta_token.hpp"
#include "core/encoding/base64.hpp"
#include "core/encoding/hex_escape.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <regex>
#include <set>

namespace mailgate::core::outbound::request {
namespace {

namespace json = boost::json;

[[noreturn]] void refuse(const std::string& field, const std::string& reason)
{
    throw request_error(field + ": " + reason);
}

const json::object& object_of(const json::value& v, const std::string& field)
{
    if (!v.is_object()) {
        refuse(field, "must be an object");
    }
    return v.get_object();
}

std::string string_of(const json::value& v, const std::string& field)
{
    if (!v.is_string()) {
        refuse(field, "must be a string");
    }
    return std::string(v.get_string());
}

std::string optional_string(const json::object& o, std::string_view key, const std::string& field)
{
    const auto* v = o.if_contains(key);
    return v == nullptr || v->is_null() ? std::string() : string_of(*v, field);
}

// A key the caller chose, as it goes into a field path: JSON lets a key hold any character, NUL
// among them, and what() is a C string that ends at the first one; the message goes to the
// caller and the log.
std::string key_shown(std::string_view key)
{
    return encoding::escape_controls(key);
}

void only_keys(const json::object& o, const std::set<std::string_view>& known,
               const std::string& where)
{
    for (const auto& [key, unused] : o) {
        if (!known.contains(key)) {
            refuse(where + std::string(where.empty() ? "" : ".") + key_shown(key), "unknown field");
        }
    }
}

addressing::address address_of(const std::string& text, const std::string& field)
{
    try {
        return addressing::parse_address(text);
    } catch (const addressing::address_error& e) {
        refuse(field, e.what());
    }
}

recipient recipient_of(const json::value& v, const std::string& field)
{
    if (v.is_string()) {
        return {{"", address_of(std::string(v.get_string()), field)}, ""};
    }
    const auto& o = object_of(v, field);
    only_keys(o, {"address", "name", "profile"}, field);
    const auto* a = o.if_contains("address");
    if (a == nullptr) {
        refuse(field + ".address", "is required");
    }
    recipient r{{optional_string(o, "name", field + ".name"),
                 address_of(string_of(*a, field + ".address"), field + ".address")},
                optional_string(o, "profile", field + ".profile")};
    if (r.profile.size() > attribution::meta_codec::max_field_size) {
        refuse(field + ".profile", "must be at most 40 bytes");
    }
    return r;
}

std::vector<recipient> recipients_of(const json::object& body)
{
    const auto* v = body.if_contains("to");
    if (v == nullptr) {
        refuse("to", "is required");
    }
    if (!v->is_array()) {
        return {recipient_of(*v, "to")};
    }
    const auto& list = v->get_array();
    if (list.empty()) {
        refuse("to", "needs at least one recipient");
    }
    if (list.size() > max_recipients) {
        refuse("to", "at most " + std::to_string(max_recipients) + " recipients per request");
    }
    std::vector<recipient> out;
    for (std::size_t i = 0; i < list.size(); ++i) {
        out.push_back(recipient_of(list[i], "to[" + std::to_string(i) + "]"));
    }
    return out;
}

std::vector<std::pair<std::string, std::string>> headers_of(const json::object& body)
{
    std::vector<std::pair<std::string, std::string>> out;
    const auto* v = body.if_contains("headers");
    if (v == nullptr) {
        return out;
    }
    for (const auto& [name, value] : object_of(*v, "headers")) {
        const std::string field = "headers." + key_shown(name);
        out.emplace_back(std::string(name), string_of(value, field));
        try {
            mime::check_extra_header(out.back().first, out.back().second);
        } catch (const mime::message_error& e) {
            refuse(field, e.what());
        }
    }
    return out;
}

mime::attachment attachment_of(const json::value& v, const std::string& field)
{
    const auto& o = object_of(v, field);
    only_keys(o, {"filename", "content_type", "content"}, field);
    mime::attachment a;
    a.filename = optional_string(o, "filename", field + ".filename");
    a.content_type = optional_string(o, "content_type", field + ".content_type");
    auto content = encoding::base64_decode(optional_string(o, "content", field + ".content"));
    if (a.filename.empty()) {
        refuse(field + ".filename", "is required");
    }
    if (!content) {
        refuse(field + ".content", "must be base64");
    }
    a.content = std::move(*content);
    return a;
}

std::vector<mime::attachment> attachments_of(const json::object& body)
{
    std::vector<mime::attachment> out;
    const auto* v = body.if_contains("attachments");
    if (v == nullptr) {
        return out;
    }
    if (!v->is_array()) {
        refuse("attachments", "must be an array");
    }
    for (std::size_t i = 0; i < v->get_array().size(); ++i) {
        out.push_back(attachment_of(v->get_array()[i], "attachments[" + std::to_string(i) + "]"));
    }
    return out;
}

json::object body_of(std::string_view text)
{
    boost::system::error_code ec;
    auto parsed = json::parse(text, ec);
    if (ec) {
        refuse("body", "not valid JSON (" + ec.message() + ")");
    }
    return object_of(parsed, "body");
}

} // namespace

message_request parse_message_request(std::string_view text)
{
    const auto body = body_of(text);
    only_keys(body,
              {"provider", "from", "to", "subject", "text", "html", "campaign_id", "stream",
               "headers", "attachments"},
              "");
    message_request r;
    r.provider = optional_string(body, "provider", "provider");
    if (r.provider.empty()) {
        refuse("provider", "is required");
    }
    if (const auto* from = body.if_contains("from"); from != nullptr && !from->is_null()) {
        r.from = recipient_of(*from, "from").to;
    }
    r.to = recipients_of(body);
    r.subject = optional_string(body, "subject", "subject");
    r.text = optional_string(body, "text", "text");
    r.html = optional_string(body, "html", "html");
    if (r.text.empty() && r.html.empty()) {
        refuse("text", "text or html is required");
    }
    r.campaign_id = optional_string(body, "campaign_id", "campaign_id");
    if (r.campaign_id.size() > attribution::meta_codec::max_field_size) {
        refuse("campaign_id", "must be at most 40 bytes");
    }
    // Drivers carry it in a header field (Mandrill's X-MC-Tags), where a line break is refused.
    if (std::any_of(r.campaign_id.begin(), r.campaign_id.end(),
                    [](unsigned char c) { return c < 0x20 || c == 0x7f; })) {
        refuse("campaign_id", "must not contain control characters");
    }
    r.stream = optional_string(body, "stream", "stream");
    static const std::regex stream_name("[a-z0-9][a-z0-9_-]{0,19}");
    if (!r.stream.empty() && !std::regex_match(r.stream, stream_name)) {
        refuse("stream", "must be a stream name (a-z, 0-9, '_', '-'; at most 20)");
    }
    r.headers = headers_of(body);
    r.attachments = attachments_of(body);
    return r;
}

} // namespace mailgate::core::outbound::request
