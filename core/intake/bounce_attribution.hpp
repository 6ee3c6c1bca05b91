#pragma once

// Which message sent by the gateway a bounce returns, strongest evidence first (docs/
// bounce-mail.md, "Security"): the signed return path it was sent to, the signed meta header in
// the returned headers, the returned Message-ID found in the outbound queue. What none of them
// ties to a message is unattributed, and an unattributed bounce suppresses nobody: anyone can
// send the gateway a DSN.

#include "core/attribution/meta_fields.hpp"
#include "core/bounces/bounce_result.hpp"
#include "core/storage/queued_message.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailgate::core::attribution {
class meta_codec;
class return_path_codec;
} // namespace mailgate::core::attribution

namespace mailgate::core::intake {

enum class attribution_method { return_path, meta_header, message_id, none };

/// "return_path", "meta_header", "message_id", "none".
std::string_view to_string(attribution_method method) noexcept;

struct bounce_attribution {
    attribution_method method = attribution_method::none;
    attribution::meta_fields fields; ///< the message, its campaign and profile, when known
    std::string provider;            ///< the provider that sent it, when the queue knows it
    std::string recipient;           ///< the message's recipient (canonical), when known
};

/// The keys that verify what a bounce claims. Either codec may be null (no attribution key).
struct attribution_keys {
    const attribution::meta_codec* meta = nullptr;
    const attribution::return_path_codec* return_path = nullptr;
    std::vector<std::string> bounce_domains;
};

/// A message of the outbound queue by the gateway's id, or nothing. May block (a store read).
using message_lookup = std::function<std::optional<storage::queued_message>(const std::string&)>;

/// The addresses a return path may appear as: the envelope recipient (SMTP listener), the
/// bounce's own Delivered-To, X-Original-To, Envelope-to and To (a mailbox behind the bounce
/// domain), and the returned original's return path.
struct return_path_candidates {
    std::string envelope_recipient;
    std::vector<std::string> outer_recipients;
};

/// Blocks when `find` does. THREAD: any.
bounce_attribution attribute(const bounces::bounce_result& bounce,
                             const return_path_candidates& candidates, const attribution_keys& keys,
                             const message_lookup& find);

} // namespace mailgate::core::intake
