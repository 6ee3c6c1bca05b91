#include "tools/conformance/hostile_inputs.hpp"

#include "core/callbacks/callback_response.hpp"
#include "tools/conformance/isolated_call.hpp"
#include "tools/conformance/replay.hpp"

#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <algorithm>
#include <random>

namespace mailgate::conformance {
namespace {

constexpr std::size_t ten_mb = 10 * 1024 * 1024;
constexpr std::size_t nesting_depth = 100000;

std::string as_form(const std::string& field, const std::string& payload)
{
    return field.empty()
               ? payload
               : field + "=" + boost::urls::encode(payload, boost::urls::unreserved_chars);
}

fixture_request with_body(const fixture_request& base, std::string body)
{
    fixture_request r = base;
    r.body = std::move(body);
    return r;
}

fixture_request with_content_type(const fixture_request& base, const std::string& type)
{
    fixture_request r = base;
    std::erase_if(r.headers, [](const auto& h) {
        std::string name = h.first;
        std::transform(name.begin(), name.end(), name.begin(), ::tolower);
        return name == "content-type";
    });
    r.headers.emplace_back("Content-Type", type);
    return r;
}

std::string json_items_of_size(std::size_t size)
{
    const std::string item = R"({"email":"bulk@example.com","event":"delivered"},)";
    std::string body = "[";
    while (body.size() + item.size() < size) {
        body += item;
    }
    body += "{}]";
    return body;
}

std::string random_bytes(std::size_t size)
{
    std::mt19937 generator(20260401); // fixed: the same bytes every run
    std::string out(size, '\0');
    for (auto& c : out) {
        c = static_cast<char>(generator() & 0xff);
    }
    return out;
}

} // namespace

std::vector<hostile_input> hostile_inputs(const fixture_request& base,
                                          const std::string& form_field)
{
    const std::string sample =
        base.body.empty() ? R"([{"email":"someone@example.com","event":"bounce"}])" : base.body;
    // Bytes that are never valid UTF-8 (an overlong '/', a lone continuation, 0xFF), inside
    // the sample's first string where a parser reads text.
    std::string bad_utf8 = sample;
    const auto quote = bad_utf8.find('"');
    bad_utf8.insert(quote == std::string::npos ? 0 : quote + 1, "\xc0\xaf\x80\xff");
    return {
        {"empty", with_body(base, "")},
        {"truncated", with_body(base, sample.substr(0, sample.size() / 2))},
        {"10mb", with_body(base, as_form(form_field, json_items_of_size(ten_mb)))},
        {"deep_nesting", with_body(base, as_form(form_field, std::string(nesting_depth, '[') +
                                                                 std::string(nesting_depth, ']')))},
        {"invalid_utf8", with_body(base, bad_utf8)},
        {"wrong_content_type", with_content_type(base, "application/x-unknown")},
        {"binary",
         with_content_type(with_body(base, random_bytes(64 * 1024)), "application/octet-stream")},
    };
}

void check_hostile(const std::shared_ptr<const core::plugin::driver_library>& library,
                   const fixture_set& set, std::chrono::milliseconds timeout, check_report& report)
{
    // The first fixture the driver accepts is the base: its headers pass the driver's
    // content checks, so the inputs reach its parser.
    fixture_request base;
    base.url = set.public_url;
    for (const auto& f : set.cases) {
        const auto* status = f.expect.if_contains("status");
        if (f.error.empty() && status != nullptr && status->is_number() &&
            status->to_number<double>() == 200) {
            base = f.request;
            break;
        }
    }
    const auto codec = test_meta_codec();
    for (const auto& input : hostile_inputs(base, set.hostile_form_field)) {
        const check_outcome outcome = run_isolated(
            [&]() -> check_outcome {
                const callback_run run =
                    run_callback(library, set.hostile_provider, input.request, *codec);
                if (!run.setup_error.empty()) {
                    return {false, run.setup_error};
                }
                const auto& r = run.result;
                const int status =
                    r.status == MG_OK ? 200
                                      : static_cast<int>(core::callbacks::refusal_status(r.status));
                if (r.status == MG_INTERNAL_ERROR) {
                    return {false, "driver failure (500): " + r.error};
                }
                return {true, "status " + std::to_string(status) +
                                  (r.error.empty() ? "" : " (" + r.error + ")")};
            },
            timeout);
        report.add("hostile:" + input.name, outcome.passed ? verdict::pass : verdict::fail,
                   outcome.detail);
    }
}

} // namespace mailgate::conformance
