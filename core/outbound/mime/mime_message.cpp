#include "core/outbound/mime/mime_message.hpp"

#include "core/addressing/rfc5322.hpp"
#include "core/encoding/utf8.hpp"
#include "core/outbound/mime/header_encoding.hpp"
#include "core/outbound/mime/mime_part.hpp"

#include <mailgate/sdk/str.hpp>

#include <boost/url/parse.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <span>

namespace mailgate::core::outbound::mime {
namespace {

constexpr std::size_t max_header_name = folded_line_length - 2;

constexpr std::array<std::string_view, 11> reserved_headers = {
    "From",       "To",           "Cc",       "Bcc",      "Subject",    "Date",
    "Message-ID", "MIME-Version", "Reply-To", "Received", "Return-Path"};
constexpr std::array<std::string_view, 2> reserved_prefixes = {"Content-", "List-Unsubscribe"};

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix)
{
    return text.size() >= prefix.size() && sdk::iequals(text.substr(0, prefix.size()), prefix);
}

// A header name fit for an error message whatever it holds.
std::string shown(std::string_view name)
{
    constexpr std::size_t most = 40;
    std::string out = "'";
    for (const char c : name.substr(0, most)) {
        out += (c > 0x20 && c < 0x7f) ? c : '?';
    }
    return out + (name.size() > most ? "...'" : "'");
}

bool is_ftext(char c)
{
    return c >= 33 && c <= 126 && c != ':';
}

void check_header_name(std::string_view name)
{
    if (name.empty() || name.size() > max_header_name ||
        !std::all_of(name.begin(), name.end(), is_ftext)) {
        throw message_error("the header name " + shown(name) + " is not 1 to " +
                            std::to_string(max_header_name) +
                            " printable ASCII characters without ':'");
    }
    const auto is_name = [&](std::string_view reserved) { return sdk::iequals(name, reserved); };
    const auto has_prefix = [&](std::string_view prefix) {
        return starts_with_ignoring_case(name, prefix);
    };
    if (std::any_of(reserved_headers.begin(), reserved_headers.end(), is_name) ||
        std::any_of(reserved_prefixes.begin(), reserved_prefixes.end(), has_prefix)) {
        throw message_error("the header " + shown(name) + " is set by the gateway, not the caller");
    }
}

void check_text(const std::string& what, std::string_view text)
{
    if (text.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos) {
        throw message_error(what + " has a CR, LF or NUL");
    }
    if (!encoding::is_valid_utf8(text)) {
        throw message_error(what + " is not valid UTF-8");
    }
}

// RFC 2047 decoders would take "=?" for the start of an encoded word.
bool needs_encoded_words(std::string_view text)
{
    return !addressing::rfc5322::is_header_text(text) || text.find("=?") != std::string_view::npos;
}

std::string encoded_words_for(std::string_view header, std::string_view text)
{
    return encode_words(text, folded_line_length - header.size() - 2);
}

// Human text goes as it is (`plain`, followed by `after`) unless RFC 2047 decoders would
// misread it or it cannot fold within 998 octets; then as encoded words.
std::string text_line(std::string_view header, std::string_view text, std::string_view plain,
                      std::string_view after)
{
    if (!needs_encoded_words(text)) {
        if (auto line = fold_header(header, std::string(plain).append(after))) {
            return std::move(*line);
        }
    }
    return header_line(header, encoded_words_for(header, text).append(after));
}

// ASCII header text passes unchanged: values such as tokens and JSON are read by machines.
std::string extra_header_line(std::string_view name, std::string_view value)
{
    check_extra_header(name, value);
    return header_line(name, addressing::rfc5322::is_header_text(value)
                                 ? std::string(value)
                                 : encoded_words_for(name, value));
}

bool is_plain_phrase(std::string_view name)
{
    return name.front() != ' ' && name.back() != ' ' && name.find("  ") == std::string_view::npos &&
           std::all_of(name.begin(), name.end(),
                       [](char c) { return c == ' ' || addressing::rfc5322::is_atext(c); });
}

std::string checked_address(const std::string& header, const addressing::address& addr)
{
    try {
        return addressing::parse_address(addr.str()).str();
    } catch (const addressing::address_error& e) {
        throw message_error("the " + header + " address: " + e.what());
    }
}

std::string mailbox_line(const std::string& header, const mailbox& box)
{
    const std::string addr = checked_address(header, box.addr);
    check_text("the " + header + " display name", box.display_name);
    if (box.display_name.empty()) {
        return header_line(header, addr);
    }
    const std::string_view name = box.display_name;
    return text_line(header, name,
                     is_plain_phrase(name) ? std::string(name)
                                           : addressing::rfc5322::quoted_string(name),
                     " <" + addr + ">");
}

std::string message_id_line(std::string_view id)
{
    const auto at = id.find('@');
    const auto right = at == std::string_view::npos ? std::string_view{} : id.substr(at + 1);
    if (at == std::string_view::npos || !addressing::rfc5322::is_dot_atom_text(id.substr(0, at)) ||
        !(addressing::rfc5322::is_dot_atom_text(right) ||
          addressing::rfc5322::is_no_fold_literal(right))) {
        throw message_error("the message id is not left@right (dot-atoms, no angle brackets)");
    }
    return header_line("Message-ID", "<" + std::string(id) + ">");
}

std::string checked_uri(std::string_view uri, std::string_view scheme, const std::string& field)
{
    const auto parsed = boost::urls::parse_absolute_uri(uri);
    const bool has_target = parsed && (scheme == "https" ? !parsed->encoded_host().empty()
                                                         : !parsed->encoded_path().empty());
    if (!has_target || !sdk::iequals(parsed->scheme(), scheme)) {
        throw message_error(field + " is not an absolute " + std::string(scheme) + ": URI");
    }
    return "<" + std::string(uri) + ">";
}

std::string list_unsubscribe_lines(const message_spec& spec)
{
    std::string uris;
    if (!spec.list_unsubscribe_mailto.empty()) {
        uris = checked_uri(spec.list_unsubscribe_mailto, "mailto", "list_unsubscribe_mailto");
    }
    if (spec.list_unsubscribe_url.empty()) {
        return uris.empty() ? "" : header_line("List-Unsubscribe", uris);
    }
    uris += (uris.empty() ? "" : ", ") +
            checked_uri(spec.list_unsubscribe_url, "https", "list_unsubscribe_url");
    return header_line("List-Unsubscribe", uris) +
           header_line("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
}

// By hand rather than strftime: %a and %b follow the locale, RFC 5322 names are English.
std::string date_value(std::chrono::system_clock::time_point when)
{
    using namespace std::chrono;
    static constexpr std::array<const char*, 7> weekdays = {"Sun", "Mon", "Tue", "Wed",
                                                            "Thu", "Fri", "Sat"};
    static constexpr std::array<const char*, 12> months = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const auto day = floor<days>(when);
    const year_month_day date{day};
    const hh_mm_ss time{floor<seconds>(when - day)};
    char text[64];
    std::snprintf(text, sizeof text, "%s, %02u %s %04d %02d:%02d:%02d +0000",
                  weekdays[weekday{day}.c_encoding()], static_cast<unsigned>(date.day()),
                  months[static_cast<unsigned>(date.month()) - 1], static_cast<int>(date.year()),
                  static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                  static_cast<int>(time.seconds().count()));
    return text;
}

mime_part content_part(std::string_view text, std::string_view html)
{
    std::vector<mime_part> alternatives;
    if (!text.empty()) {
        alternatives.push_back(text_part("plain", text));
    }
    if (!html.empty()) {
        alternatives.push_back(text_part("html", html));
    }
    if (alternatives.empty()) {
        throw message_error("the message has neither a text nor an HTML body");
    }
    return alternatives.size() == 1 ? std::move(alternatives.front())
                                    : multipart("alternative", alternatives);
}

mime_part body_part(std::string_view text, std::string_view html,
                    std::span<const attachment> attachments)
{
    mime_part content = content_part(text, html);
    if (attachments.empty()) {
        return content;
    }
    std::vector<mime_part> parts{std::move(content)};
    std::transform(attachments.begin(), attachments.end(), std::back_inserter(parts),
                   attachment_part);
    return multipart("mixed", parts);
}

} // namespace

void check_extra_header(std::string_view name, std::string_view value)
{
    check_header_name(name);
    check_text("the header " + shown(name), value);
}

std::string build_entity(std::string_view text, std::string_view html,
                         std::span<const attachment> attachments)
{
    return render(body_part(text, html, attachments));
}

std::string build_message(const message_spec& spec)
{
    return build_head(spec) + build_entity(spec.text, spec.html, spec.attachments);
}

std::string build_head(const message_spec& spec)
{
    std::string out = header_line("Date", date_value(spec.date));
    out += mailbox_line("From", spec.from);
    if (spec.reply_to) {
        out += mailbox_line("Reply-To", *spec.reply_to);
    }
    out += mailbox_line("To", spec.to);
    check_text("the subject", spec.subject);
    out += text_line("Subject", spec.subject, spec.subject, "");
    out += message_id_line(spec.message_id);
    out += list_unsubscribe_lines(spec);
    for (const auto& [name, value] : spec.headers) {
        out += extra_header_line(name, value);
    }
    return out += header_line("MIME-Version", "1.0");
}

} // namespace mailgate::core::outbound::mime
