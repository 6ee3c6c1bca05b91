#include "core/intake/bounce_events.hpp"

#include "core/addressing/address.hpp"
#include "core/encoding/ascii.hpp"
#include "core/encoding/hex.hpp"
#include "core/encoding/sha256.hpp"
#include "core/events/router.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <optional>

namespace mailgate::core::intake {
namespace {

// The header section ends at the first empty line, whatever the line ends; a message without
// one is all header.
std::string_view header_section(std::string_view raw)
{
    for (std::size_t pos = 0; pos < raw.size();) {
        const auto eol = raw.find('\n', pos);
        if (eol == std::string_view::npos) {
            break;
        }
        const auto line = raw.substr(pos, eol - pos);
        if (line.empty() || line == "\r") {
            return raw.substr(0, pos);
        }
        pos = eol + 1;
    }
    return raw;
}

// The unfolded values of the top-level fields called `name` (lower case).
std::vector<std::string> field_values(std::string_view headers, std::string_view name)
{
    std::vector<std::string> out;
    bool in_field = false;
    std::size_t pos = 0;
    while (pos < headers.size()) {
        auto eol = headers.find('\n', pos);
        if (eol == std::string_view::npos) {
            eol = headers.size();
        }
        std::string_view line = headers.substr(pos, eol - pos);
        pos = eol + 1;
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        if (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
            if (in_field) {
                out.back() += std::string(line);
            }
            continue;
        }
        const auto colon = line.find(':');
        in_field =
            colon != std::string_view::npos && encoding::ascii_lower(line.substr(0, colon)) == name;
        if (in_field) {
            out.emplace_back(line.substr(colon + 1));
        }
    }
    return out;
}

std::string trimmed(std::string_view text)
{
    const auto first = text.find_first_not_of(" \t");
    const auto last = text.find_last_not_of(" \t");
    return first == std::string_view::npos ? std::string()
                                           : std::string(text.substr(first, last - first + 1));
}

std::optional<events::event_kind> kind_of(const bounces::bounce_result& bounce,
                                          const bounces::bounce_record& r)
{
    using events::event_kind;
    if (bounce.kind == bounces::message_kind::feedback) {
        // RFC 5965 §7.3: abuse, fraud, virus and other are complaints about the mail;
        // not-spam and auth-failure say nothing the recipient asked for.
        const std::string type = encoding::ascii_lower(r.feedback_type);
        if (type == "opt-out" || type == "unsubscribe") {
            return event_kind::unsubscribed;
        }
        if (type == "not-spam" || type == "auth-failure") {
            return std::nullopt;
        }
        return event_kind::spam;
    }
    if (bounce.kind != bounces::message_kind::bounce) {
        return std::nullopt;
    }
    if (encoding::ascii_lower(r.action) == "delayed") {
        return event_kind::deferred;
    }
    return r.hard ? event_kind::hard_bounce : event_kind::soft_bounce;
}

std::string detail_of(const bounces::bounce_result& bounce, const bounces::bounce_record& r,
                      const bounce_attribution& attributed, const bounce_source& source)
{
    boost::json::object detail{{"source", "bounce_mail"},
                               {"channel", source.channel},
                               {"format", bounce.format},
                               {"attribution", to_string(attributed.method)},
                               {"final_recipient", r.recipient}};
    for (const auto& [name, value] :
         {std::pair{"reporting_mta", &r.reporting_mta}, std::pair{"action", &r.action},
          std::pair{"feedback_type", &r.feedback_type},
          std::pair{"original_message_id", &bounce.original.message_id}}) {
        if (!value->empty()) {
            detail[name] = *value;
        }
    }
    return boost::json::serialize(detail);
}

// The address the event is about: the one the gateway sent to when the bounce is tied to a
// message (a report may name the address it was forwarded to), else the report's.
std::optional<std::string> email_of(const bounces::bounce_result& bounce,
                                    const bounces::bounce_record& r,
                                    const bounce_attribution& attributed)
{
    if (!attributed.recipient.empty()) {
        return attributed.recipient;
    }
    const std::string& named = r.recipient.empty() ? bounce.original.to : r.recipient;
    return addressing::canonical_email(named);
}

events::gateway_event event_of(events::event_kind kind, const std::string& email,
                               const bounces::bounce_result& bounce,
                               const bounces::bounce_record& r,
                               const bounce_attribution& attributed, const bounce_source& source)
{
    events::gateway_event ev;
    const bool tied = attributed.method != attribution_method::none;
    ev.provider = tied && !attributed.provider.empty() ? attributed.provider
                                                       : std::string(unattributed_provider);
    ev.driver = "bounce-mail@" + source.channel;
    ev.kind = kind;
    ev.permanent = kind == events::event_kind::hard_bounce;
    ev.email = email;
    ev.occurred_at_ms = source.received_at_ms;
    ev.received_at_ms = source.received_at_ms;
    if (tied) {
        ev.attributed = attributed.fields;
    }
    ev.description = r.diagnostic;
    if (kind != events::event_kind::unsubscribed) {
        ev.reason = r.why;
    }
    ev.smtp_code = r.smtp_code;
    ev.status = r.status;
    ev.remote_mta = r.remote_mta;
    ev.event_key = "mail:" + source.key + ":" + email + ":" + std::string(to_string(kind));
    ev.detail_json = detail_of(bounce, r, attributed, source);
    return ev;
}

} // namespace

std::vector<events::routed_event> bounce_events(const bounces::bounce_result& bounce,
                                                const bounce_attribution& attributed,
                                                const bounce_source& source,
                                                bool suppress_unattributed,
                                                const events::suppression_policy& policy)
{
    std::vector<events::routed_event> out;
    std::vector<std::string> seen;
    for (const auto& r : bounce.records) {
        const auto kind = kind_of(bounce, r);
        const auto email = email_of(bounce, r, attributed);
        // One event per address: a report that names the sent address twice (or forwarded
        // copies of one message) is one bounce of it.
        if (!kind || !email || std::find(seen.begin(), seen.end(), *email) != seen.end()) {
            continue;
        }
        seen.push_back(*email);
        auto routed = events::route(event_of(*kind, *email, bounce, r, attributed, source), policy);
        if (attributed.method == attribution_method::none && !suppress_unattributed) {
            // What an unauthenticated sender claims never suppresses (nor counts towards it).
            routed.suppression = events::suppression_change::none;
            routed.suppression_reason.clear();
            routed.rule.clear();
        }
        out.push_back(std::move(routed));
    }
    return out;
}

std::string bounce_key(std::string_view raw)
{
    const auto headers = header_section(raw);
    const auto ids = field_values(headers, "message-id");
    // The body too: a forged bounce that borrows a real one's Message-ID must not make the real
    // one a duplicate.
    const std::string basis = (ids.empty() ? std::string() : trimmed(ids.front())) + '\n' +
                              std::string(raw.substr(headers.size()));
    return encoding::hex(encoding::sha256(basis));
}

std::vector<std::string> outer_recipients(std::string_view raw)
{
    const auto headers = header_section(raw);
    std::vector<std::string> out;
    for (const auto* name : {"delivered-to", "x-original-to", "envelope-to", "to"}) {
        for (auto& value : field_values(headers, name)) {
            out.push_back(trimmed(value));
        }
    }
    return out;
}

} // namespace mailgate::core::intake
