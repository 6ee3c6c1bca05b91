// A refusal as an SMTP server, an ESP's callback or a bounce mail reports it, through the reply
// classifier: whatever the bytes, the answers keep the promises of reply_classifier.hpp.
//
// Input: bytes 0 and 1 the reply code (big-endian, modulo 1,000: drivers pass any int), byte 2
// the length of the given status (modulo 32; 0: none, so it is looked for in the text), then
// the status, then the text.

#include "core/reasons/reply_classifier.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

namespace reasons = mailgate::core::reasons;

void check(bool ok)
{
    if (!ok) {
        std::abort();
    }
}

bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

// 0, or a code of classes 2 to 5 read from the text.
void check_reply_code(std::string_view text)
{
    const int code = reasons::reply_code_of(text);
    check(code == 0 || (code >= 200 && code <= 599));
    check(code == 0 || text.find(std::to_string(code)) != std::string_view::npos);
}

// Empty, or class.subject.detail of `text` itself standing on its own: not a part of a number,
// an address or a version.
void check_status(std::string_view text)
{
    const std::string_view status = reasons::find_status(text);
    if (status.empty()) {
        return;
    }
    check(status.data() >= text.data() &&
          status.data() + status.size() <= text.data() + text.size());
    check(status.size() >= 5 && status.size() <= 7);
    check((status[0] == '2' || status[0] == '4' || status[0] == '5') && status[1] == '.' &&
          status[2] >= '0' && status[2] <= '7' && status[3] == '.');
    for (const char c : status.substr(4)) {
        check(is_digit(c));
    }
    const std::size_t at = static_cast<std::size_t>(status.data() - text.data());
    const std::string_view after = text.substr(at + status.size());
    check(at == 0 || (!is_digit(text[at - 1]) && text[at - 1] != '.'));
    check(after.empty() || !is_digit(after[0]));
    check(after.size() < 2 || after[0] != '.' || !is_digit(after[1]));
    check(reasons::find_status(status) == status);
}

void check_classification(const reasons::smtp_report& report)
{
    const auto first = reasons::classify(report);
    const auto again = reasons::classify(report);
    check(first.why == again.why && first.permanent == again.permanent && first.hard == again.hard);

    check(static_cast<std::size_t>(first.why) < reasons::reason_count);
    const std::string_view name = reasons::to_string(first.why);
    check(!name.empty() && reasons::parse_reason(name) == first.why);
    check(first.hard == reasons::is_hard(first.why, first.permanent));

    const std::string_view status =
        report.status.empty() ? reasons::find_status(report.text) : report.status;
    check(first.permanent ==
          (report.code != 0 ? report.code / 100 == 5 : status.starts_with("5.")));

    // A status found in the text is the status the text gives.
    if (report.status.empty()) {
        const auto found = reasons::classify({report.code, status, report.text});
        check(found.why == first.why && found.permanent == first.permanent);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 3) {
        return 0;
    }
    const int code = (data[0] << 8 | data[1]) % 1000;
    const std::string_view rest(reinterpret_cast<const char*>(data + 3), size - 3);
    const std::string_view status = rest.substr(0, data[2] % 32);
    const std::string_view text = rest.substr(status.size());

    check_reply_code(text);
    check_status(text);
    check_classification({code, status, text});
    // As the event path does with a driver's bare description.
    check_classification({reasons::reply_code_of(text), {}, text});
    return 0;
}
