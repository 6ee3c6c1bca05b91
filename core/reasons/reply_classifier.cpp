#include "core/reasons/reply_classifier.hpp"

#include "core/reasons/reply_rules.hpp"

#include <array>
#include <optional>

namespace mailgate::core::reasons {
namespace {

// Replies that matter say why in their first lines; a diagnostic longer than this is a
// quoted message, not more reason.
constexpr std::size_t text_bound = 4096;

bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// Lower-case ASCII with every run of white space folded to one space: replies wrap lines
// ("550-5.1.1 ...\r\n550-5.1.1 ...") where a phrase may break.
class folded_text {
public:
    explicit folded_text(std::string_view text)
    {
        bool space = false;
        for (const char c : text.substr(0, text_bound)) {
            if (is_space(c)) {
                space = size_ > 0;
                continue;
            }
            if (space) {
                buffer_[size_++] = ' ';
                space = false;
            }
            buffer_[size_++] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
        }
    }
    std::string_view view() const { return {buffer_.data(), size_}; }

private:
    std::array<char, text_bound> buffer_;
    std::size_t size_ = 0;
};

// Each '*'-separated fragment of the phrase, in order.
bool contains(std::string_view text, std::string_view phrase)
{
    std::size_t from = 0;
    while (true) {
        const auto star = phrase.find('*');
        const auto fragment = phrase.substr(0, star);
        const auto at = text.find(fragment, from);
        if (at == std::string_view::npos) {
            return false;
        }
        if (star == std::string_view::npos) {
            return true;
        }
        from = at + fragment.size();
        phrase.remove_prefix(star + 1);
    }
}

std::optional<reason> first_phrase(std::string_view text, bool strong)
{
    // Most webhook events come without a text: no phrase to look for.
    if (text.empty()) {
        return std::nullopt;
    }
    for (const auto& rule : phrase_rules()) {
        if (rule.strong == strong && contains(text, rule.phrase)) {
            return rule.why;
        }
    }
    return std::nullopt;
}

// A status code of the form class.subject.detail: class 2, 4 or 5, subject 0 to 7, detail of
// one to three digits, standing on its own.
std::size_t status_length(std::string_view s)
{
    if (s.size() < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.' || s[2] < '0' ||
        s[2] > '7' || s[3] != '.') {
        return 0;
    }
    std::size_t n = 4;
    while (n < s.size() && n < 7 && is_digit(s[n])) {
        ++n;
    }
    if (n == 4 || (n < s.size() && is_digit(s[n]))) {
        return 0;
    }
    if (n + 1 < s.size() && s[n] == '.' && is_digit(s[n + 1])) {
        return 0; // a fourth part: a version or an address, not a status
    }
    return n;
}

reason decide(std::string_view status, std::string_view text, int code, bool& by_receiver_code)
{
    if (status.starts_with("2.") || (code >= 200 && code < 300)) {
        return reason::delivered;
    }
    const folded_text folded(text);
    if (const auto own = receiver_code_reason(folded.view())) {
        by_receiver_code = true;
        return *own;
    }
    if (const auto strong = first_phrase(folded.view(), true)) {
        return *strong;
    }
    const auto meaning = status_reason(status);
    if (meaning && !meaning->generic) {
        return meaning->why;
    }
    if (const auto weak = first_phrase(folded.view(), false)) {
        return *weak;
    }
    if (meaning) {
        return meaning->why;
    }
    return folded.view().empty() ? reason::undefined : reason::onhold;
}

} // namespace

int reply_code_of(std::string_view text) noexcept
{
    if (text.starts_with("smtp;")) {
        text.remove_prefix(5);
    }
    while (!text.empty() && text.front() == ' ') {
        text.remove_prefix(1);
    }
    if (text.size() < 3 || text[0] < '2' || text[0] > '5' || !is_digit(text[1]) ||
        !is_digit(text[2]) || (text.size() > 3 && text[3] != ' ' && text[3] != '-')) {
        return 0;
    }
    return (text[0] - '0') * 100 + (text[1] - '0') * 10 + (text[2] - '0');
}

std::string_view find_status(std::string_view text) noexcept
{
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (i > 0 && (is_digit(text[i - 1]) || text[i - 1] == '.')) {
            continue;
        }
        if (const auto n = status_length(text.substr(i))) {
            return text.substr(i, n);
        }
    }
    return {};
}

classification classify(const smtp_report& report)
{
    const std::string_view status =
        report.status.empty() ? find_status(report.text) : report.status;
    classification out;
    out.permanent = report.code != 0 ? report.code / 100 == 5 : status.starts_with("5.");
    out.why = decide(status, report.text, report.code, out.by_receiver_code);
    out.hard = is_hard(out.why, out.permanent);
    return out;
}

} // namespace mailgate::core::reasons
