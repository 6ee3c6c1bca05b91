#pragma once

// The suppression list in bulk over HTTP (docs/suppression-list.md): POST
// /v1/suppressions/import and GET /v1/suppressions/export, thin wrappers on
// core/suppression_list. admin_api routes to them after checking the admin token.

#include "core/http/handler.hpp"
#include "core/storage/store.hpp"
#include "core/suppression_list/entry_reader.hpp"

#include <map>
#include <string>

namespace mailgate::core::admin {

/// The most rows one export page holds; a client follows the Link header for the rest.
inline constexpr std::size_t max_export_page = 100000;

/// POST /v1/suppressions/import?format=csv|jsonl[&from_line=N]: the body is the file (bounded
/// by the server's body limit). 200 with the report {taken, refused, skipped, refusals: [{line,
/// why}], last_line_committed}; 400 for an unknown format; 503 with the report and "error"
/// when the store failed (the lines up to last_line_committed are applied). `who` names the
/// admin token: each entry's source is "import:<who>". Blocks on the store.
http::response import_suppressions(const http::request& req,
                                   const std::map<std::string, std::string>& query,
                                   storage::store& store,
                                   const suppression_list::stream_set& streams,
                                   const std::string& who);

/// GET /v1/suppressions/export?format=csv|jsonl&stream=&reason=&after_email=&after_stream=
/// &limit=: one page of up to `limit` (default and most max_export_page) entries as text/csv
/// or application/x-ndjson, with `Link: <...>; rel="next"` when the list goes on.
http::response export_suppressions(const http::request& req,
                                   const std::map<std::string, std::string>& query,
                                   storage::store& store);

} // namespace mailgate::core::admin
