#pragma once

// The store's reads, each one statement so it sees one snapshot. Throw sqlite_error, and
// std::runtime_error for a row this version cannot read.

#include "core/storage/sqlite/connection.hpp"
#include "core/storage/store.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailgate::core::storage::sqlite {

std::vector<stored_event> select_events(connection& db, const event_filter& filter);
std::vector<suppression> select_suppressions(connection& db, const suppression_filter& filter);
std::optional<suppression> select_suppression(connection& db, const std::string& email,
                                              std::string_view stream, int64_t now);
std::vector<suppression> select_address_suppressions(connection& db, const std::string& email);
std::vector<suppression_record> select_suppression_history(connection& db, const std::string& email,
                                                           std::size_t limit);
std::vector<rule_counter> select_rule_counters(connection& db, const std::string& email);
std::optional<mailbox_cursor> select_mailbox_cursor(connection& db, const std::string& mailbox);
campaign_report select_report(connection& db, const std::string& campaign_id);
/// The message without its content.
std::optional<queued_message> select_message(connection& db, const std::string& id);
int64_t count_queued(connection& db);
std::vector<queue_row> select_queue_summary(connection& db);

} // namespace mailgate::core::storage::sqlite
