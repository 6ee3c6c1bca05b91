#include "core/admin/suppression_list_api.hpp"

#include "core/http/json_response.hpp"
#include "core/suppression_list/list_export.hpp"
#include "core/suppression_list/list_import.hpp"

#include <boost/json/value.hpp>
#include <boost/url/url.hpp>

#include <charconv>
#include <exception>
#include <istream>
#include <limits>
#include <sstream>
#include <streambuf>

namespace mailgate::core::admin {
namespace {

namespace bh = boost::beast::http;
namespace json = boost::json;
namespace sl = suppression_list;

// The request body read in place: an import of the server's largest body is not copied.
class view_buffer : public std::streambuf {
public:
    explicit view_buffer(const std::string& text)
    {
        char* begin = const_cast<char*>(text.data());
        setg(begin, begin, begin + text.size());
    }
};

std::optional<std::string> param(const std::map<std::string, std::string>& query,
                                 const std::string& name)
{
    auto it = query.find(name);
    return it == query.end() ? std::nullopt : std::optional<std::string>(it->second);
}

std::optional<std::size_t> count_param(const std::map<std::string, std::string>& query,
                                       const std::string& name, std::size_t low, std::size_t high)
{
    const auto text = param(query, name);
    std::size_t value = 0;
    if (!text) {
        return std::nullopt;
    }
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (ec != std::errc() || end != text->data() + text->size() || value < low || value > high) {
        throw std::invalid_argument(name + " must be a number from " + std::to_string(low) +
                                    " to " + std::to_string(high));
    }
    return value;
}

std::optional<sl::list_format> format_param(const std::map<std::string, std::string>& query)
{
    return sl::parse_list_format(param(query, "format").value_or("csv"));
}

json::object report_json(const sl::import_report& report)
{
    json::array refusals;
    for (const auto& r : report.refusals) {
        refusals.push_back(json::object{{"line", r.line}, {"why", r.why}});
    }
    json::object out{{"taken", report.taken},
                     {"refused", report.refused},
                     {"skipped", report.skipped},
                     {"refusals", std::move(refusals)},
                     {"last_line_committed", report.last_line_committed}};
    if (report.failure) {
        out["error"] = "the store failed: " + *report.failure + "; lines up to " +
                       std::to_string(report.last_line_committed) +
                       " are applied: send the file again with from_line=" +
                       std::to_string(report.last_line_committed + 1);
    }
    return out;
}

std::string next_link(const std::map<std::string, std::string>& query,
                      const sl::export_cursor& next)
{
    boost::urls::url url("/v1/suppressions/export");
    for (const char* name : {"format", "stream", "reason", "limit"}) {
        if (auto value = param(query, name)) {
            url.params().append({name, *value});
        }
    }
    url.params().append({"after_email", next.after_email});
    url.params().append({"after_stream", next.after_stream});
    return "<" + std::string(url.buffer()) + ">; rel=\"next\"";
}

} // namespace

http::response import_suppressions(const http::request& req,
                                   const std::map<std::string, std::string>& query,
                                   storage::store& store, const sl::stream_set& streams,
                                   const std::string& who)
{
    if (req.method() != bh::verb::post) {
        auto res = http::error_response(bh::status::method_not_allowed, "method not allowed", req);
        res.set(bh::field::allow, "POST");
        return res;
    }
    sl::import_options options;
    try {
        const auto format = format_param(query);
        if (!format) {
            return http::error_response(bh::status::bad_request, "format must be csv or jsonl",
                                        req);
        }
        options.format = *format;
        options.from_line =
            count_param(query, "from_line", 1, std::numeric_limits<std::size_t>::max()).value_or(1);
    } catch (const std::invalid_argument& e) {
        return http::error_response(bh::status::bad_request, e.what(), req);
    }
    options.streams = streams;
    options.who = who;
    view_buffer body(req.body());
    std::istream in(&body);
    const auto report = sl::import_list(store, in, options);
    return http::json_response(report.failure ? bh::status::service_unavailable : bh::status::ok,
                               report_json(report), req);
}

http::response export_suppressions(const http::request& req,
                                   const std::map<std::string, std::string>& query,
                                   storage::store& store)
{
    if (req.method() != bh::verb::get && req.method() != bh::verb::head) {
        auto res = http::error_response(bh::status::method_not_allowed, "method not allowed", req);
        res.set(bh::field::allow, "GET, HEAD");
        return res;
    }
    const auto format = format_param(query);
    if (!format) {
        return http::error_response(bh::status::bad_request, "format must be csv or jsonl", req);
    }
    std::size_t limit = max_export_page;
    try {
        limit = count_param(query, "limit", 1, max_export_page).value_or(max_export_page);
    } catch (const std::invalid_argument& e) {
        return http::error_response(bh::status::bad_request, e.what(), req);
    }
    storage::suppression_filter filter;
    filter.stream = param(query, "stream");
    filter.reason = param(query, "reason");
    filter.after_email = param(query, "after_email").value_or("");
    filter.after_stream = param(query, "after_stream").value_or("");
    std::ostringstream out;
    sl::entry_writer writer(out, *format);
    const auto page = sl::export_entries(store, writer, filter, limit);

    http::response res{bh::status::ok, req.version()};
    res.set(bh::field::content_type, sl::media_type(*format));
    if (page.next) {
        res.set(bh::field::link, next_link(query, *page.next));
    }
    res.body() = std::move(out).str();
    res.prepare_payload();
    res.keep_alive(req.keep_alive());
    return res;
}

} // namespace mailgate::core::admin
