#include "core/outbound/api/message_composer.hpp"

#include "core/addressing/address.hpp"
#include "core/attribution/meta_token.hpp"
#include "core/attribution/return_path.hpp"
#include "core/attribution/unsubscribe_token.hpp"
#include "core/outbound/mime/random_token.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include <chrono>
#include <stdexcept>

namespace mailgate::core::outbound::api {
namespace {

mime::mailbox sender_of(const request::message_request& request,
                        const delivery::sending_provider& provider)
{
    if (request.from) {
        return *request.from;
    }
    if (provider.from_address.empty()) {
        throw request::request_error("from: is required: provider '" +
                                     provider.instance->provider() + "' has no from_address");
    }
    // The provider's default was checked when the provider was configured.
    return {provider.from_name, addressing::parse_address(provider.from_address)};
}

std::optional<mime::mailbox> reply_to_of(const delivery::sending_provider& provider)
{
    if (provider.reply_address.empty()) {
        return std::nullopt;
    }
    return mime::mailbox{"", addressing::parse_address(provider.reply_address)};
}

// The usual cause of a refusal is a gateway without attribution.key, whose messages carry no
// token for the driver to put on them: say so, and how to make one.
plugin::header_list decorate(const delivery::sending_provider& provider,
                             const plugin::decorate_request& m)
{
    auto result = provider.instance->decorate(m);
    if (result.status != MG_OK) {
        throw std::runtime_error("provider '" + provider.instance->provider() +
                                 "': the driver failed to decorate the message (status " +
                                 std::to_string(result.status) + ")" +
                                 (m.meta.empty()
                                      ? ": no attribution.key is configured, so the message has no "
                                        "attribution token; set attribution.key (mailgate secret "
                                        "generate-key makes one)"
                                      : ""));
    }
    return std::move(result.headers);
}

// The content is the same for every recipient, so it is encoded once, and stored once.
std::shared_ptr<const std::string> entity_of(const request::message_request& request)
{
    try {
        return std::make_shared<const std::string>(
            mime::build_entity(request.text, request.html, request.attachments));
    } catch (const mime::message_error& e) {
        throw request::request_error(e.what());
    }
}

} // namespace

message_composer::message_composer(const attribution::meta_codec* codec,
                                   const attribution::unsubscribe_codec* unsubscribe,
                                   std::string public_url)
    : codec_(codec), unsubscribe_(unsubscribe), public_url_(std::move(public_url))
{
}

std::vector<storage::queued_message>
message_composer::compose(const request::message_request& request,
                          const delivery::sending_provider& provider, int64_t now) const
{
    const mime::mailbox from = sender_of(request, provider);
    const auto entity = entity_of(request);
    std::vector<storage::queued_message> out;
    out.reserve(request.to.size());
    for (const auto& to : request.to) {
        out.push_back(compose_one(request, entity, to, from, provider, now));
    }
    return out;
}

storage::queued_message message_composer::compose_one(const request::message_request& request,
                                                      std::shared_ptr<const std::string> entity,
                                                      const request::recipient& to,
                                                      const mime::mailbox& from,
                                                      const delivery::sending_provider& provider,
                                                      int64_t now) const
{
    storage::queued_message m;
    m.id = mime::time_ordered_token(now);
    m.provider = provider.instance->provider();
    m.campaign_id = request.campaign_id;
    m.stream = request.stream;
    m.mail_from = from.addr.str();
    m.recipient = to.to.addr.str();
    m.smtputf8 = from.addr.needs_smtputf8() || to.to.addr.needs_smtputf8();
    m.created_at = now;
    m.entity = std::move(entity);

    const std::string meta = codec_ == nullptr
                                 ? std::string()
                                 : codec_->encode({m.id, m.campaign_id, to.profile, m.stream},
                                                  addressing::canonical_email(to.to.addr));
    mime::message_spec spec;
    spec.from = from;
    spec.to = to.to;
    spec.reply_to = reply_to_of(provider);
    spec.subject = request.subject;
    spec.headers = request.headers;
    for (auto& h : decorate(
             provider, {m.id, m.campaign_id, m.recipient, meta, m.mail_from, request.subject})) {
        spec.headers.push_back(std::move(h));
    }
    // After decorate, which is told the sender's address: the return path is the gateway's.
    if (return_paths_ != nullptr && !provider.bounce_domain.empty()) {
        m.mail_from = return_paths_->encode(m.id, provider.bounce_domain).value_or(m.mail_from);
    }
    // The gateway's id is unique and already random: a bounce or reply that quotes the
    // Message-ID leads back to the queue record.
    spec.message_id = m.id + "@" + from.addr.domain;
    spec.date = std::chrono::system_clock::time_point(std::chrono::milliseconds(now));
    unsubscribe_links(spec, provider, meta, m);
    try {
        m.head = mime::build_head(spec);
    } catch (const mime::message_error& e) {
        throw request::request_error(e.what());
    }
    return m;
}

// RFC 8058 one-click unsubscribe. "system" points at the gateway's own preference center
// (/u/{token}, the token naming recipient, campaign and provider); a custom URL gets the
// attribution token and the address so the operator's page can verify and attribute the click
// (the token is signed over the address, so both travel).
void message_composer::unsubscribe_links(mime::message_spec& spec,
                                         const delivery::sending_provider& provider,
                                         const std::string& meta,
                                         const storage::queued_message& m) const
{
    const auto& center = provider.preference_center;
    if (center.empty() || center == "none" || meta.empty()) {
        return;
    }
    if (center == "system") {
        if (unsubscribe_ == nullptr) {
            return;
        }
        std::string base = public_url_;
        while (!base.empty() && base.back() == '/') {
            base.pop_back();
        }
        try {
            spec.list_unsubscribe_url =
                base + "/u/" + unsubscribe_->encode({m.recipient, m.campaign_id, m.provider});
        } catch (const std::invalid_argument& e) {
            throw request::request_error(std::string("no unsubscribe link fits: ") + e.what());
        }
        return;
    }
    auto parsed = boost::urls::parse_absolute_uri(center);
    if (!parsed) {
        return;
    }
    boost::urls::url link(*parsed);
    link.params().append({"meta", meta});
    link.params().append({"email", m.recipient});
    spec.list_unsubscribe_url = std::string(link.buffer());
}

} // namespace mailgate::core::outbound::api
