#pragma once

// From an accepted request to the queue's records: one message per recipient, each with its
// own id, attribution token, driver headers and header fields, and one MIME entity they all
// share, built once at acceptance so a retry sends the very bytes the first attempt did.

#include "core/outbound/delivery/sending_provider.hpp"
#include "core/outbound/request/message_request.hpp"
#include "core/storage/queued_message.hpp"

#include <string>
#include <vector>

namespace mailgate::core::attribution {
class meta_codec;
class return_path_codec;
class unsubscribe_codec;
} // namespace mailgate::core::attribution

namespace mailgate::core::outbound::api {

class message_composer {
public:
    /// `codec` and `unsubscribe` may be null (no attribution key: messages go without a token
    /// or an unsubscribe link). `public_url`: the gateway's, for the system preference
    /// center's links. The codecs must outlive the composer.
    message_composer(const attribution::meta_codec* codec,
                     const attribution::unsubscribe_codec* unsubscribe, std::string public_url);

    /// Before the composer is shared between threads.
    void set_public_url(std::string url) { public_url_ = std::move(url); }

    /// Messages of a provider with a bounce domain get a signed return path there
    /// (docs/bounce-mail.md). The codec must outlive the composer; null: none do. Before the
    /// composer is shared between threads.
    void set_return_paths(const attribution::return_path_codec* codec) { return_paths_ = codec; }

    /// Throws request_error for what the caller got wrong (400) and std::runtime_error when
    /// the driver fails to decorate (500). `now`: Unix ms. THREAD: any.
    std::vector<storage::queued_message> compose(const request::message_request& request,
                                                 const delivery::sending_provider& provider,
                                                 int64_t now) const;

private:
    storage::queued_message compose_one(const request::message_request& request,
                                        std::shared_ptr<const std::string> entity,
                                        const request::recipient& to, const mime::mailbox& from,
                                        const delivery::sending_provider& provider,
                                        int64_t now) const;
    void unsubscribe_links(mime::message_spec& spec, const delivery::sending_provider& provider,
                           const std::string& meta, const storage::queued_message& m) const;

    const attribution::meta_codec* codec_;
    const attribution::unsubscribe_codec* unsubscribe_;
    const attribution::return_path_codec* return_paths_ = nullptr;
    std::string public_url_;
};

} // namespace mailgate::core::outbound::api
