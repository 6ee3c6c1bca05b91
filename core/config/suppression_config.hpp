#pragma once

// The `suppression:` section: the streams a message may be sent in and the policy rules that
// decide what each event does to its address's suppression (docs/suppression.md). The rules are
// kept as written, with their position; events::suppression_policy checks and compiles them.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mailgate::core::config {

struct suppression_rule_config {
    std::string name;
    std::string where; ///< file:line:column of the rule, for errors
    /// What it matches; an empty list matches anything.
    std::vector<std::string> kinds;
    std::vector<std::string> reasons;
    std::vector<std::string> providers;
    std::vector<std::string> streams;
    std::optional<bool> permanent;
    std::string action; ///< suppress, count, ignore or alert
    /// "stream" (the event's stream), "all", or empty: by kind (unsubscribes and complaints
    /// their stream, the rest every stream).
    std::string scope;
    std::chrono::milliseconds duration{0}; ///< `for`: 0 until lifted
    int64_t threshold = 0;                 ///< count
    std::chrono::milliseconds window{0};   ///< count
};

struct suppression_config {
    std::vector<std::string> streams{"transactional", "marketing"};
    /// The stream of a message that names none, and of an event whose message is unknown.
    std::string default_stream = "marketing";
    /// As written; nothing: the default rules (events::default_rules).
    std::optional<std::vector<suppression_rule_config>> rules;
};

} // namespace mailgate::core::config
