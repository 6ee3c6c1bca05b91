#include "core/bounces/ses_notification.hpp"

#include "core/bounces/text_scan.hpp"
#include "core/reasons/reply_classifier.hpp"

#include <string>
#include <vector>

namespace mailgate::core::bounces {
namespace {

constexpr std::size_t max_nesting = 64;

std::size_t skip_string(std::string_view s, std::size_t at) noexcept
{
    for (++at; at < s.size(); ++at) {
        if (s[at] == '\\') {
            ++at;
        } else if (s[at] == '"') {
            return at + 1;
        }
    }
    return s.size();
}

// The end of the array or object that opens at `at`.
std::size_t skip_container(std::string_view s, std::size_t at) noexcept
{
    std::size_t depth = 0;
    while (at < s.size()) {
        const char c = s[at];
        if (c == '"') {
            at = skip_string(s, at);
            continue;
        }
        if (c == '[' || c == '{') {
            if (++depth > max_nesting) {
                return s.size();
            }
        } else if ((c == ']' || c == '}') && --depth == 0) {
            return at + 1;
        }
        ++at;
    }
    return s.size();
}

void append_utf8(std::string& out, unsigned cp)
{
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

unsigned hex4(std::string_view h) noexcept
{
    unsigned v = 0;
    for (const char c : h) {
        const unsigned d = (c >= '0' && c <= '9')   ? unsigned(c - '0')
                           : (c >= 'a' && c <= 'f') ? unsigned(c - 'a' + 10)
                           : (c >= 'A' && c <= 'F') ? unsigned(c - 'A' + 10)
                                                    : 0;
        v = v * 16 + d;
    }
    return v;
}

std::string unescape(std::string_view s)
{
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '\\' || i + 1 >= s.size()) {
            out.push_back(s[i]);
            continue;
        }
        const char e = s[++i];
        if (e == 'n') {
            out.push_back('\n');
        } else if (e == 't') {
            out.push_back('\t');
        } else if (e == 'u' && i + 4 < s.size()) {
            append_utf8(out, hex4(s.substr(i + 1, 4)));
            i += 4;
        } else {
            out.push_back(e);
        }
    }
    return out;
}

// Where the value of "key" starts (after the colon and spaces), or npos.
std::size_t value_at(std::string_view s, std::string_view key) noexcept
{
    const std::string quoted = "\"" + std::string(key) + "\"";
    for (auto at = s.find(quoted); at != std::string_view::npos; at = s.find(quoted, at + 1)) {
        auto v = at + quoted.size();
        while (v < s.size() && (s[v] == ' ' || s[v] == '\n' || s[v] == '\t')) {
            ++v;
        }
        if (v < s.size() && s[v] == ':') {
            ++v;
            while (v < s.size() && (s[v] == ' ' || s[v] == '\n' || s[v] == '\t')) {
                ++v;
            }
            return v;
        }
    }
    return std::string_view::npos;
}

std::string string_value(std::string_view s, std::string_view key)
{
    const auto v = value_at(s, key);
    if (v == std::string_view::npos || v >= s.size() || s[v] != '"') {
        return {};
    }
    const auto end = skip_string(s, v);
    return unescape(s.substr(v + 1, end - v - 2));
}

std::string_view container_value(std::string_view s, std::string_view key) noexcept
{
    const auto v = value_at(s, key);
    if (v == std::string_view::npos || v >= s.size() || (s[v] != '[' && s[v] != '{')) {
        return {};
    }
    return s.substr(v, skip_container(s, v) - v);
}

// The elements of an array: objects as their text, strings unescaped.
std::vector<std::string> elements(std::string_view array)
{
    std::vector<std::string> out;
    for (std::size_t at = 1; at < array.size();) {
        const char c = array[at];
        if (c == '{') {
            const auto end = skip_container(array, at);
            out.emplace_back(array.substr(at, end - at));
            at = end;
        } else if (c == '"') {
            const auto end = skip_string(array, at);
            out.push_back(unescape(array.substr(at + 1, end - at - 2)));
            at = end;
        } else {
            ++at;
        }
    }
    return out;
}

bounce_record base_record(std::string recipient)
{
    bounce_record r;
    r.recipient = std::move(recipient);
    r.reporting_mta = "amazonses.com";
    return r;
}

void read_bounce(std::string_view json, bounce_result& out)
{
    const auto bounce = container_value(json, "bounce");
    const bool permanent = string_value(bounce, "bounceType") == "Permanent";
    for (const auto& item : elements(container_value(bounce, "bouncedRecipients"))) {
        auto r = base_record(string_value(item, "emailAddress"));
        r.action = string_value(item, "action");
        r.status = string_value(item, "status");
        r.diagnostic = fold_space(string_value(item, "diagnosticCode"), 1024);
        r.smtp_code = find_reply_code(r.diagnostic);
        r.remote_mta = string_value(bounce, "remoteMtaIp");
        const auto c = reasons::classify({r.smtp_code, r.status, r.diagnostic});
        r.why = c.why;
        r.hard = reasons::is_hard(c.why, c.permanent || permanent);
        out.records.push_back(std::move(r));
    }
    out.kind = message_kind::bounce;
}

void read_complaint(std::string_view json, bounce_result& out)
{
    const auto complaint = container_value(json, "complaint");
    auto type = string_value(complaint, "complaintFeedbackType");
    for (const auto& item : elements(container_value(complaint, "complainedRecipients"))) {
        auto r = base_record(string_value(item, "emailAddress"));
        r.why = reasons::reason::feedback;
        r.feedback_type = type.empty() ? "abuse" : type;
        out.records.push_back(std::move(r));
    }
    out.kind = message_kind::feedback;
}

void read_delivery(std::string_view json, bounce_result& out)
{
    const auto delivery = container_value(json, "delivery");
    const auto response = string_value(delivery, "smtpResponse");
    for (auto& address : elements(container_value(delivery, "recipients"))) {
        auto r = base_record(std::move(address));
        r.why = reasons::reason::delivered;
        r.action = "delivered";
        r.diagnostic = fold_space(response, 1024);
        r.smtp_code = find_reply_code(response);
        r.status = std::string(reasons::find_status(response));
        out.records.push_back(std::move(r));
    }
    out.kind = message_kind::delivered;
}

void read_mail(std::string_view json, bounce_result& out)
{
    const auto mail = container_value(json, "mail");
    out.original.message_id = string_value(mail, "messageId");
    out.original.return_path = string_value(mail, "source");
    for (const auto& h : elements(container_value(mail, "headers"))) {
        const auto name = string_value(h, "name");
        if (iequals(name, "Message-ID")) {
            out.original.message_id = std::string(trim(string_value(h, "value")));
        } else if (iequals(name, "X-Mailgate-Meta")) {
            out.original.meta = string_value(h, "value");
        }
    }
}

} // namespace

std::optional<bounce_result> read_ses_notification(std::string_view text)
{
    std::string inner;
    if (text.find("\\\"notificationType\\\"") != std::string_view::npos) {
        inner = string_value(text, "Message"); // the SNS envelope
        text = inner;
    }
    const auto type = string_value(text, "notificationType");
    bounce_result out;
    out.format = "amazonses-json";
    if (type == "Bounce") {
        read_bounce(text, out);
    } else if (type == "Complaint") {
        read_complaint(text, out);
    } else if (type == "Delivery") {
        read_delivery(text, out);
    } else {
        return std::nullopt;
    }
    read_mail(text, out);
    return out;
}

} // namespace mailgate::core::bounces
