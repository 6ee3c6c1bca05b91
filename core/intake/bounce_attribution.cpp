#include "core/intake/bounce_attribution.hpp"

#include "core/addressing/address.hpp"
#include "core/attribution/meta_token.hpp"
#include "core/attribution/return_path.hpp"

namespace mailgate::core::intake {
namespace {

// An address as a header or DSN field gives it: "<a@b>", "rfc822; a@b", "Name <a@b>".
std::string bare_address(std::string_view text)
{
    if (const auto semi = text.find(';'); semi != std::string_view::npos) {
        text.remove_prefix(semi + 1);
    }
    const auto open = text.rfind('<');
    const auto close = text.rfind('>');
    if (open != std::string_view::npos && close != std::string_view::npos && close > open) {
        text = text.substr(open + 1, close - open - 1);
    }
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
        text.remove_suffix(1);
    }
    return std::string(text);
}

bounce_attribution of_message(attribution_method method, const storage::queued_message& m,
                              std::string profile)
{
    bounce_attribution out;
    out.method = method;
    out.provider = m.provider;
    out.recipient = addressing::canonical_email(m.recipient).value_or(m.recipient);
    out.fields = {m.id, m.campaign_id, profile.empty() ? out.recipient : std::move(profile),
                  m.stream};
    return out;
}

std::optional<bounce_attribution> by_return_path(const bounces::bounce_result& bounce,
                                                 const return_path_candidates& candidates,
                                                 const attribution_keys& keys,
                                                 const message_lookup& find)
{
    if (keys.return_path == nullptr) {
        return std::nullopt;
    }
    std::vector<std::string> addresses{candidates.envelope_recipient};
    addresses.insert(addresses.end(), candidates.outer_recipients.begin(),
                     candidates.outer_recipients.end());
    addresses.push_back(bounce.original.return_path);
    for (const auto& text : addresses) {
        const auto id = keys.return_path->decode(bare_address(text), keys.bounce_domains);
        if (!id) {
            continue;
        }
        if (auto message = find(*id)) {
            return of_message(attribution_method::return_path, *message, {});
        }
        // Signed by this gateway, so the id is one it sent even if the queue no longer has it.
        bounce_attribution out;
        out.method = attribution_method::return_path;
        out.fields.message_id = *id;
        return out;
    }
    return std::nullopt;
}

// The meta token is signed over the recipient's address: it verifies only for the address it
// was made for, so each address the report names is tried.
std::optional<bounce_attribution> by_meta_header(const bounces::bounce_result& bounce,
                                                 const attribution_keys& keys,
                                                 const message_lookup& find)
{
    if (keys.meta == nullptr || bounce.original.meta.empty()) {
        return std::nullopt;
    }
    std::vector<std::string> addresses;
    for (const auto& r : bounce.records) {
        addresses.push_back(r.recipient);
    }
    addresses.push_back(bare_address(bounce.original.to));
    for (const auto& address : addresses) {
        const auto fields = keys.meta->decode(bounce.original.meta, address);
        if (!fields) {
            continue;
        }
        if (auto message = find(fields->message_id)) {
            return of_message(attribution_method::meta_header, *message, fields->profile);
        }
        bounce_attribution out;
        out.method = attribution_method::meta_header;
        out.fields = *fields;
        out.recipient = addressing::canonical_email(address).value_or(address);
        return out;
    }
    return std::nullopt;
}

// The gateway's Message-ID is <id@sender domain>, its id random: only a copy of the message
// can quote it.
std::optional<bounce_attribution> by_message_id(const bounces::bounce_result& bounce,
                                                const message_lookup& find)
{
    const std::string& quoted = bounce.original.message_id;
    const auto at = quoted.find('@');
    if (at == std::string::npos || at == 0) {
        return std::nullopt;
    }
    if (auto message = find(quoted.substr(0, at))) {
        return of_message(attribution_method::message_id, *message, {});
    }
    return std::nullopt;
}

} // namespace

std::string_view to_string(attribution_method method) noexcept
{
    switch (method) {
    case attribution_method::return_path:
        return "return_path";
    case attribution_method::meta_header:
        return "meta_header";
    case attribution_method::message_id:
        return "message_id";
    case attribution_method::none:
        break;
    }
    return "none";
}

bounce_attribution attribute(const bounces::bounce_result& bounce,
                             const return_path_candidates& candidates, const attribution_keys& keys,
                             const message_lookup& find)
{
    if (auto found = by_return_path(bounce, candidates, keys, find)) {
        return *found;
    }
    if (auto found = by_meta_header(bounce, keys, find)) {
        return *found;
    }
    if (auto found = by_message_id(bounce, find)) {
        return *found;
    }
    return {};
}

} // namespace mailgate::core::intake
