#include "core/preferences/preference_page.hpp"

#include "core/encoding/base64.hpp"
#include "core/encoding/sha256.hpp"

namespace mailgate::core::preferences {
namespace {

constexpr std::string_view style =
    "body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;"
    "line-height:1.5;color:#1b1b1b;background:#fff}"
    "h1{font-size:1.5rem}"
    "button{font:inherit;padding:.6rem 1.2rem;border-radius:.3rem;border:2px solid #0b57d0;"
    "background:#0b57d0;color:#fff;cursor:pointer}"
    "button.secondary{background:#fff;color:#0b57d0}"
    "button:focus{outline:3px solid #f29900;outline-offset:2px}"
    ".address{font-weight:bold;word-break:break-all}";

std::string escape(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        case '\'':
            out += "&#39;";
            break;
        default:
            out += c;
        }
    }
    return out;
}

// The form posts back to the page's own URL (no action attribute), so the page works
// whatever host name the recipient reached it by.
std::string form(std::string_view action, std::string_view label, bool secondary)
{
    return "<form method=\"post\"><button type=\"submit\" name=\"action\" value=\"" +
           std::string(action) + "\"" + (secondary ? " class=\"secondary\"" : "") + ">" +
           std::string(label) + "</button></form>\n";
}

std::string address(std::string_view email)
{
    return "<span class=\"address\">" + escape(email) + "</span>";
}

struct content {
    std::string title;
    std::string body;
};

content content_of(page_state state, std::string_view email)
{
    switch (state) {
    case page_state::confirm:
        return {"Unsubscribe", "<p>Stop sending e-mail to " + address(email) + "?</p>\n" +
                                   form("unsubscribe", "Unsubscribe", false)};
    case page_state::unsubscribed:
        return {"You are unsubscribed", "<p role=\"status\">" + address(email) +
                                            " will no longer receive these e-mails.</p>\n"
                                            "<p>Unsubscribed by mistake?</p>\n" +
                                            form("resubscribe", "Resubscribe", true)};
    case page_state::resubscribed:
        return {"You are subscribed again", "<p role=\"status\">" + address(email) +
                                                " will receive these e-mails again.</p>\n" +
                                                form("unsubscribe", "Unsubscribe", true)};
    case page_state::invalid:
        break;
    }
    return {"This link is not valid",
            "<p role=\"alert\">This unsubscribe link is incomplete or has been altered, so "
            "nothing was changed.</p>\n"
            "<p>Please use the link from the e-mail exactly as it arrived.</p>\n"};
}

} // namespace

std::string render_page(page_state state, std::string_view email)
{
    const auto c = content_of(state, email);
    return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
           "<meta name=\"robots\" content=\"noindex, nofollow\">\n"
           "<title>" +
           c.title + "</title>\n<style>" + std::string(style) +
           "</style>\n</head>\n<body>\n<main>\n<h1>" + c.title + "</h1>\n" + c.body +
           "</main>\n</body>\n</html>\n";
}

const std::string& page_security_policy()
{
    // The inline style is allowed by its hash; nothing else loads, nothing runs, forms go
    // only back to the gateway, and no other site may frame the page.
    static const std::string policy = [] {
        const auto digest = encoding::sha256(style);
        return "default-src 'none'; style-src 'sha256-" +
               encoding::base64_encode(
                   {reinterpret_cast<const char*>(digest.data()), digest.size()}) +
               "'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
    }();
    return policy;
}

} // namespace mailgate::core::preferences
