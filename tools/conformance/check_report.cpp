#include "tools/conformance/check_report.hpp"

#include "core/encoding/utf8.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <ostream>

namespace mailgate::conformance {
namespace {

const char* verdict_name(verdict v) noexcept
{
    switch (v) {
    case verdict::pass:
        return "PASS";
    case verdict::fail:
        return "FAIL";
    default:
        return "SKIP";
    }
}

// Details quote the driver's own messages: keep each on one line, valid UTF-8 (the JSON report
// must parse) and bounded.
std::string printable(std::string text)
{
    constexpr std::size_t max_detail = 2000;
    if (text.size() > max_detail) {
        text = text.substr(0, max_detail) + "...";
    }
    const bool utf8 = core::encoding::is_valid_utf8(text);
    for (auto& c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f) {
            c = ' ';
        } else if (byte >= 0x80 && !utf8) {
            c = '?';
        }
    }
    return text;
}

std::size_t count(const std::vector<check_result>& checks, verdict v)
{
    return static_cast<std::size_t>(std::count_if(
        checks.begin(), checks.end(), [v](const check_result& c) { return c.outcome == v; }));
}

} // namespace

void check_report::add(std::string name, verdict outcome, std::string detail)
{
    checks_.push_back(check_result{std::move(name), outcome, printable(std::move(detail))});
}

bool check_report::passed() const noexcept
{
    return count(checks_, verdict::fail) == 0;
}

void check_report::print_text(std::ostream& out) const
{
    for (const auto& c : checks_) {
        out << verdict_name(c.outcome) << ' ' << c.name;
        if (!c.detail.empty()) {
            out << ' ' << c.detail;
        }
        out << '\n';
    }
    out << (passed() ? "PASSED" : "FAILED") << ": " << count(checks_, verdict::pass) << " passed, "
        << count(checks_, verdict::fail) << " failed, " << count(checks_, verdict::skip)
        << " skipped\n";
}

void check_report::print_json(std::ostream& out, const std::string& driver_file) const
{
    boost::json::array checks;
    for (const auto& c : checks_) {
        std::string result = verdict_name(c.outcome);
        std::transform(result.begin(), result.end(), result.begin(), ::tolower);
        checks.push_back(
            boost::json::object{{"name", c.name}, {"result", result}, {"detail", c.detail}});
    }
    out << boost::json::serialize(boost::json::object{
               {"driver", driver_file},
               {"passed", passed()},
               {"summary",
                {{"passed", count(checks_, verdict::pass)},
                 {"failed", count(checks_, verdict::fail)},
                 {"skipped", count(checks_, verdict::skip)}}},
               {"checks", std::move(checks)},
           })
        << '\n';
}

} // namespace mailgate::conformance
