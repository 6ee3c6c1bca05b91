#pragma once

// Re-judging the past (docs/suppression.md): the stored events replayed through the current
// policy, the rule-made entries they would have left compared with the list, and the difference
// applied. Manual and imported entries are never touched, and an entry is added only where the
// list has none for that address and stream.

#include "core/events/suppression_policy.hpp"
#include "core/storage/store.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mailgate::core::suppression_list {

struct rebuild_options {
    int64_t since = 0; ///< Unix ms: replay events received since, lift entries made since; 0: all
    int64_t now = 0;   ///< Unix ms: what has lapsed
    /// As bounces.suppress_unattributed: whether bounce mail no message was found for suppresses.
    bool suppress_unattributed = false;
};

struct rebuild_plan {
    std::vector<storage::suppression> add;    ///< the rules make them; the list has none
    std::vector<storage::suppression> change; ///< the rules make them lapse at another time
    std::vector<storage::suppression> lift;   ///< rule-made, and the rules make them no more
    std::vector<storage::suppression> expire; ///< rule-made, and lapsed under the rules
    std::size_t events = 0;                   ///< replayed
};

/// Reads the events and the list; changes nothing. Throws what the store throws.
rebuild_plan plan_rebuild(storage::store& store, const events::suppression_policy& policy,
                          const rebuild_options& options);

/// Applies `plan`, each change recorded in the address's history as made by "rebuild:<who>".
void apply_rebuild(storage::store& store, const rebuild_plan& plan, const std::string& who);

} // namespace mailgate::core::suppression_list
