#pragma once

// The outbound queue's records: one message to one recipient, from acceptance to its final
// state. The queue lives in the storage backend, so a message accepted is as durable as an
// event stored, and several nodes sharing one database share one queue.

#include "core/events/event.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailgate::core::storage {

/// queued -> sending -> sent | deferred -> sending ... | failed.
enum class delivery_state { queued, sending, sent, deferred, failed };

std::string_view to_string(delivery_state state) noexcept;
std::optional<delivery_state> parse_delivery_state(std::string_view name) noexcept;

struct queued_message {
    std::string id; ///< the gateway's message id (one per recipient)
    std::string provider;
    std::string campaign_id;
    /// The stream it is sent in ("transactional", "marketing", ...): suppressions of that stream
    /// and of every stream stop it.
    std::string stream;
    std::string mail_from; ///< the envelope sender
    std::string recipient; ///< the envelope recipient
    bool smtputf8 = false;
    /// This recipient's header fields, which `entity` follows; the whole RFC 5322 text when
    /// `entity` is null. Empty once the message reached a final state.
    std::string head;
    /// The MIME entity (its own header fields and body) that all the recipients of one request
    /// share, so a backend may store it once for all of them. Null when `head` is the whole
    /// text. Immutable: shared between copies and threads.
    std::shared_ptr<const std::string> entity;
    delivery_state state = delivery_state::queued;
    int64_t attempts = 0;
    int64_t created_at = 0;      ///< Unix ms
    int64_t next_attempt_at = 0; ///< Unix ms; for `sending`, when the lease runs out
    /// For `sending`: the node whose lease it is. A message may be queued already leased, by
    /// the node that accepted it and delivers it at once, without a claim.
    std::string lease_owner;
    int64_t updated_at = 0; ///< Unix ms
    std::string last_reply; ///< the server's last reply, or the connection error
    std::string failure;    ///< the failure class of the last attempt, or empty
    std::string provider_message_id;

    /// The RFC 5322 text: `head`, then `entity`.
    std::string text() const;
};

/// The result of one attempt, recorded with whatever events it caused (an in-band hard bounce)
/// in one transaction.
struct delivery_outcome {
    std::string id;
    delivery_state state = delivery_state::sent; ///< sent, deferred or failed
    int64_t next_attempt_at = 0;                 ///< deferred: when to try again
    int64_t at = 0;                              ///< Unix ms
    std::string last_reply;
    std::string failure;
    std::string provider_message_id;
    std::vector<events::routed_event> events;
};

} // namespace mailgate::core::storage
