#include "core/bounces/bounce_classifier.hpp"
#include "core/encoding/ascii.hpp"

#include "core/bounces/dsn_fields.hpp"
#include "core/bounces/mime_walk.hpp"
#include "core/bounces/mta_rules.hpp"
#include "core/bounces/ses_notification.hpp"
#include "core/bounces/text_scan.hpp"
#include "core/reasons/reply_classifier.hpp"

#include <algorithm>

namespace mailgate::core::bounces {
namespace {

// A diagnostic kept in a record: the server's words, not the whole transcript.
constexpr std::size_t diagnostic_bound = 1000;
// The text one recipient's failure is read from, in a report that names several.
constexpr std::size_t block_bound = 4096;

using reasons::reason;

std::string strip_angles(std::string_view s)
{
    s = trim(s);
    if (s.size() >= 2 && s.front() == '<' && s.back() == '>') {
        s = s.substr(1, s.size() - 2);
    }
    return std::string(trim(s));
}

// ---------------------------------------------------------------------------------------------
// What every format shares: the message read, the returned original, the addresses that are
// not recipients.

struct reading {
    message_parts parts;
    field_group original_fields; ///< the returned original's header section
    original_headers original;
    std::vector<std::string> not_recipients; ///< lower case: the sender side of the exchange
};

bool sign_matches(const sign& s, const reading& r)
{
    switch (s.in) {
    case sign_in::text:
        return icontains(std::string_view(r.parts.text).substr(0, max_text_bytes), s.phrase);
    case sign_in::subject:
        return icontains(r.parts.headers.get("subject"), s.phrase);
    case sign_in::from:
        return icontains(r.parts.headers.get("from"), s.phrase);
    case sign_in::header:
        return r.parts.headers.has(s.phrase);
    case sign_in::mailer:
        return icontains(r.parts.headers.get("x-mailer"), s.phrase);
    case sign_in::none:
        return false;
    }
    return false;
}

bool any_sign(std::span<const sign> signs, const reading& r)
{
    return std::any_of(signs.begin(), signs.end(),
                       [&](const sign& s) { return sign_matches(s, r); });
}

bool starts_original(std::string_view line, std::span<const std::string_view> markers)
{
    // A bounce forwarded by hand is quoted ("> Return-Path: <a@x>"): its markers still count.
    auto t = trim(line);
    while (!t.empty() && t.front() == '>') {
        t = trim(t.substr(1));
    }
    return std::any_of(markers.begin(), markers.end(),
                       [&](std::string_view m) { return !m.empty() && istarts_with(t, m); });
}

// Where the returned original starts in the text (the offset of its marker line), or npos.
std::size_t original_offset(std::string_view text, std::span<const std::string_view> own)
{
    std::size_t from = 0;
    while (from < text.size()) {
        const auto nl = text.find('\n', from);
        const auto end = nl == std::string_view::npos ? text.size() : nl;
        const auto line = text.substr(from, end - from);
        if (starts_original(line, own) || starts_original(line, original_markers())) {
            return from;
        }
        from = end + 1;
    }
    return std::string_view::npos;
}

original_headers headers_of_original(const field_group& h)
{
    original_headers o;
    o.message_id = strip_angles(h.get("message-id"));
    o.meta = std::string(trim(h.get("x-mailgate-meta")));
    o.return_path = std::string(first_address(h.get("return-path")));
    o.from = std::string(first_address(h.get("from")));
    o.to = std::string(first_address(h.get("to")));
    return o;
}

// The returned header section as the MTA quoted it in its text: after the marker, maybe
// indented, maybe after a mbox "From " line.
field_group quoted_headers(std::string_view text)
{
    const auto at = original_offset(text, {});
    if (at == std::string_view::npos) {
        return {};
    }
    std::string section;
    bool started = false;
    for (const auto line : split_lines(text.substr(at))) {
        const auto t = trim(line);
        const bool header_like =
            t.find(':') != std::string_view::npos && t.find(':') < 40 && t.find(' ') > t.find(':');
        if (!started) {
            started = header_like && !istarts_with(t, "content-description");
            if (!started) {
                continue;
            }
        } else if (t.empty()) {
            break;
        }
        const bool continuation = !line.empty() && (line.front() == '\t') && !header_like;
        section.append(continuation ? "\t" : "").append(t).push_back('\n');
    }
    return parse_header_section(section);
}

void add_not_recipient(reading& r, std::string_view address)
{
    if (!address.empty()) {
        r.not_recipients.push_back(encoding::ascii_lower(address));
    }
}

reading read_parts(std::string_view prepared)
{
    reading r{walk_message(prepared), {}, {}, {}};
    r.original_fields = r.parts.has_original_part ? parse_header_section(r.parts.original_headers)
                                                  : quoted_headers(r.parts.text);
    r.original = headers_of_original(r.original_fields);
    if (r.original.return_path.empty()) {
        r.original.return_path = r.original.from;
    }
    add_not_recipient(r, first_address(r.parts.headers.get("from")));
    add_not_recipient(r, first_address(r.parts.headers.get("to")));
    add_not_recipient(r, r.original.from);
    add_not_recipient(r, r.original.return_path);
    return r;
}

bool is_daemon(std::string_view address)
{
    const auto local = encoding::ascii_lower(address.substr(0, address.find('@')));
    return local == "mailer-daemon" || local == "postmaster";
}

bool is_not_recipient(const reading& r, std::string_view address)
{
    const auto lower = encoding::ascii_lower(address);
    return is_daemon(address) || std::find(r.not_recipients.begin(), r.not_recipients.end(),
                                           lower) != r.not_recipients.end();
}

// "5.0.0" or "4.0.0" says only permanent or not; a status in the server's words says more.
bool says_little(std::string_view status)
{
    return status.empty() || status.substr(1) == ".0.0";
}

// A temporary failure that the reporting MTA still retries, or gave up on after its attempts
// timed out: the message stayed too long in its queue, whatever the last attempt met.
bool stayed_in_queue(const bounce_record& rec, std::string_view text)
{
    const bool says_nothing = rec.why == reason::onhold || rec.why == reason::undefined;
    if (rec.action == "delayed") {
        return says_nothing;
    }
    // Given up on a host that never answered: no permanent status says anything else.
    const bool timed_out =
        rec.action == "failed" && !rec.status.starts_with("5.") && icontains(text, "timed out");
    return timed_out && (says_nothing || rec.why == reason::networkerror);
}

// The SMTP command the refusal answered: the first one the report names (a transcript goes
// on past the refusal, "DATA" answered by "no valid recipients"), among the phrases that name
// a command or else among those that imply one.
smtp_stage stage_of(std::string_view folded, bool implied)
{
    smtp_stage stage = smtp_stage::unknown;
    std::size_t first = std::string_view::npos;
    for (const auto& p : stage_phrases()) {
        if (p.implied != implied) {
            continue;
        }
        if (const auto at = ifind(folded, p.phrase); at != std::string_view::npos && at < first) {
            first = at;
            stage = p.stage;
        }
    }
    return stage;
}

// The stage from the refusal's own words, else from the text around them (the transcript
// that quotes them); a command named anywhere outweighs wording that implies one.
smtp_stage stage_of(std::string_view text, std::string_view context)
{
    // Folded: "(in reply to\n    RCPT TO command)" is wrapped where the phrase has a space.
    const auto own = fold_space(text, block_bound);
    const auto around = fold_space(context, block_bound);
    for (const bool implied : {false, true}) {
        for (const auto* t : {&own, &around}) {
            if (const auto stage = stage_of(*t, implied); stage != smtp_stage::unknown) {
                return stage;
            }
        }
    }
    return smtp_stage::unknown;
}

// X.1.x: the status itself says the address is bad, whoever reports it.
bool status_names_address(std::string_view status)
{
    return status.size() > 2 && status.substr(1, 2) == ".1";
}

// What the stage of the refusal adds to the words. "User unknown" is the address's fault only
// when the receiver said it to RCPT TO (or its directory said it), or the status itself (X.1.x)
// names a bad address (Sendmail reports pipelined RCPT refusals after ">>> DATA"): said after
// the message, or with nothing to tell when, it is what per-recipient filters answer (sisimai's
// `filtered`, soft). A refusal of MAIL FROM is of the sender, not the address; one at the
// greeting is of the sending host.
reason refined(reason why, std::string_view status, smtp_stage stage)
{
    if (why == reason::userunknown && stage != smtp_stage::rcpt && !status_names_address(status)) {
        return reason::filtered;
    }
    if (stage == smtp_stage::connect && (why == reason::userunknown || why == reason::filtered ||
                                         why == reason::onhold || why == reason::undefined)) {
        return reason::blocked; // refused at the greeting: the sending host, before any address
    }
    if (stage == smtp_stage::mail &&
        (why == reason::userunknown || why == reason::hostunknown || why == reason::filtered ||
         why == reason::onhold || why == reason::undefined)) {
        return reason::rejected;
    }
    return why;
}

bounce_record classified(bounce_record rec, std::string_view text_for_reason,
                         std::string_view context = {})
{
    if (const auto said = find_failure_status(text_for_reason);
        says_little(rec.status) && !said.empty()) {
        rec.status = std::string(said);
    }
    if (rec.smtp_code == 0) {
        rec.smtp_code = find_reply_code(text_for_reason);
    }
    auto c = reasons::classify({rec.smtp_code, rec.status, text_for_reason});
    if (c.why == reason::delivered) {
        c.why = reason::onhold; // a failure that quotes only the replies that went well
    }
    if (c.why == reason::onhold) {
        for (const auto& p : last_resort_phrases()) {
            if (icontains(text_for_reason, p.phrase)) {
                c.why = p.why;
                break;
            }
        }
    }
    // A receiver's own error code names the reason exactly, whatever the stage; the stage is
    // looked for only when it can change the reason (folding the text costs).
    const bool stage_matters = c.why == reason::userunknown || c.why == reason::hostunknown ||
                               c.why == reason::filtered || c.why == reason::onhold ||
                               c.why == reason::undefined;
    rec.why = c.by_receiver_code || !stage_matters
                  ? c.why
                  : refined(c.why, rec.status, stage_of(text_for_reason, context));
    if (stayed_in_queue(rec, text_for_reason)) {
        rec.why = reason::expired;
    }
    // A final failure that no temporary code or status qualifies is a permanent one.
    const bool final_failure = rec.action == "failed" && rec.smtp_code == 0 && rec.status.empty();
    rec.hard = reasons::is_hard(rec.why, c.permanent || final_failure);
    return rec;
}

// ---------------------------------------------------------------------------------------------
// The MTAs' own text: the region between a format's markers, the addresses in it and the
// lines that follow each.

std::string_view failure_region(std::string_view text, const mta_rule* rule)
{
    text = text.substr(0, max_text_bytes);
    if (const auto end = original_offset(text, rule ? std::span(rule->end)
                                                    : std::span<const std::string_view>{});
        end != std::string_view::npos && end > 0) {
        text = text.substr(0, end);
    }
    if (rule != nullptr) {
        for (const auto marker : rule->begin) {
            const auto at = marker.empty() ? std::string_view::npos : ifind(text, marker);
            if (at != std::string_view::npos) {
                const auto nl = text.find('\n', at);
                return text.substr(nl == std::string_view::npos ? at : nl + 1);
            }
        }
    }
    return text;
}

// An address written as the sender of the exchange ("MAIL FROM:<a@x>", "envelope-from").
bool sender_context(std::string_view text, std::size_t at)
{
    const auto before = text.substr(at > 16 ? at - 16 : 0, at > 16 ? 16 : at);
    return icontains(before, "from:") || icontains(before, "from <") ||
           icontains(before, "envelope-from") || icontains(before, "sender") ||
           icontains(before, "contact") || icontains(before, "generated from");
}

// A link, a message id, or a header of the original quoted in a summary ("To: a@x").
bool in_url_or_quote(std::string_view text, std::size_t at)
{
    const auto nl = text.rfind('\n', at);
    const auto from = nl == std::string_view::npos ? 0 : nl + 1;
    const auto line = text.substr(from, at - from);
    const auto t = trim(line);
    return icontains(line, "http://") || icontains(line, "https://") ||
           icontains(line, "message-id") || icontains(line, "mailto:") || istarts_with(t, "to:") ||
           istarts_with(t, "cc:") || istarts_with(t, "from:") || istarts_with(t, "reply-to:");
}

struct mention {
    std::string address;
    std::size_t at;
};

// `strict`: also without the addresses of the exchange's sender side (a bounce of a message
// someone sent to themselves names only those).
std::vector<mention> recipients_in(const reading& r, std::string_view region, bool strict)
{
    std::vector<mention> out;
    for (const auto& found : find_addresses(region)) {
        if ((strict ? is_not_recipient(r, found.address) : is_daemon(found.address)) ||
            sender_context(region, found.at) || in_url_or_quote(region, found.at)) {
            continue;
        }
        const bool seen = std::any_of(out.begin(), out.end(), [&](const mention& m) {
            return iequals(m.address, found.address);
        });
        if (!seen && out.size() < max_records) {
            out.push_back({std::string(found.address), found.at});
        }
    }
    return out;
}

std::size_t line_start(std::string_view text, std::size_t at)
{
    const auto nl = at == 0 ? std::string_view::npos : text.rfind('\n', at - 1);
    return nl == std::string_view::npos ? 0 : nl + 1;
}

// The lines of a block that carry the server's words: those with a code or a status, else
// the block without its first (address) line.
std::string diagnostic_of(std::string_view block)
{
    std::string out;
    for (const auto line : split_lines(block)) {
        if (find_reply_code(line) != 0 || !reasons::find_status(line).empty()) {
            out.append(trim(line)).push_back(' ');
        }
    }
    return fold_space(out.empty() ? block : std::string_view(out), diagnostic_bound);
}

std::vector<std::string> header_addresses(std::string_view value)
{
    std::vector<std::string> out;
    for (const auto& f : find_addresses(value)) {
        out.emplace_back(f.address);
    }
    return out;
}

std::vector<mention> fallback_recipients(const reading& r)
{
    std::vector<mention> out;
    auto named = header_addresses(r.parts.headers.get("x-failed-recipients"));
    if (named.empty() && !r.original.to.empty()) {
        named.push_back(r.original.to);
    }
    for (auto& a : named) {
        out.push_back({std::move(a), std::string_view::npos});
    }
    return out;
}

// The remote server's own words in a block, after the MTA's lead-in ("Remote host said:"),
// or empty: the MTA's wording around them ("rejected by the recipient domain") is not why.
std::string_view server_words(std::string_view block)
{
    for (const auto marker : server_word_markers()) {
        if (const auto at = ifind(block, marker); at != std::string_view::npos) {
            return block.substr(at + marker.size());
        }
    }
    return {};
}

std::vector<bounce_record> text_records(const reading& r, std::string_view region,
                                        std::string_view mta)
{
    auto mentions = recipients_in(r, region, true);
    if (mentions.empty()) {
        mentions = fallback_recipients(r);
    }
    if (mentions.empty()) {
        mentions = recipients_in(r, region, false);
    }
    const bool delayed =
        std::any_of(delay_phrases().begin(), delay_phrases().end(),
                    [&](std::string_view phrase) { return icontains(region, phrase); });
    std::vector<bounce_record> out;
    for (std::size_t i = 0; i < mentions.size(); ++i) {
        const bool several = mentions.size() > 1 && mentions[i].at != std::string_view::npos;
        const auto begin =
            mentions[i].at != std::string_view::npos ? line_start(region, mentions[i].at) : 0;
        const auto end =
            several && i + 1 < mentions.size() && mentions[i + 1].at != std::string_view::npos
                ? line_start(region, mentions[i + 1].at)
                : region.size();
        const auto block = region.substr(begin, std::min(end - begin, block_bound));
        bounce_record rec;
        rec.recipient = mentions[i].address;
        rec.action = delayed ? "delayed" : "failed";
        rec.reporting_mta = std::string(mta);
        rec.diagnostic = diagnostic_of(block);
        const auto words = server_words(block);
        rec = classified(std::move(rec), words.empty() ? block : words, block);
        if (rec.why == reason::undefined || rec.why == reason::onhold) {
            rec = classified(std::move(rec), block);
        }
        if (rec.why == reason::undefined || rec.why == reason::onhold) {
            rec = classified(std::move(rec), region);
        }
        out.push_back(std::move(rec));
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// RFC 3464 / RFC 6533 delivery-status.

std::string_view embedded_dsn(std::string_view text)
{
    const auto at = ifind(text, "\nfinal-recipient:");
    if (at == std::string_view::npos) {
        return {};
    }
    const auto start = ifind(text.substr(0, at), "\nreporting-mta:");
    return text.substr(start != std::string_view::npos ? start + 1 : at + 1);
}

bool delivered(const bounce_record& rec)
{
    return rec.action == "delivered" || rec.action == "relayed" || rec.action == "expanded" ||
           rec.status.starts_with("2.");
}

// A Diagnostic-Code of type X-Unix is a local delivery program's failure: its exit code or
// its own words, not an SMTP server's reply.
bool local_delivery_program(std::string_view type)
{
    return iequals(type, "x-unix");
}

// A local program's failure that says no more than "it failed, try again": a permanent status
// is the MTA's reading of the exit code (sysexits 77 -> 5.3.0) and says more.
bool names_no_cause(const bounce_record& rec)
{
    const bool vague = rec.why == reason::onhold || rec.why == reason::undefined ||
                       rec.why == reason::systemerror || rec.why == reason::expired ||
                       rec.why == reason::syntaxerror;
    return vague && !rec.status.starts_with("5.");
}

struct dsn_entry : bounce_record {
    std::string diagnostic_type; ///< lower case: "smtp", "x-unix"
};

dsn_entry dsn_record(const field_group& g, std::string_view reporting)
{
    dsn_entry rec;
    const auto diagnostic_code = trim(g.get("diagnostic-code"));
    if (const auto semi = diagnostic_code.find(';'); semi != std::string_view::npos) {
        rec.diagnostic_type = encoding::ascii_lower(trim(diagnostic_code.substr(0, semi)));
    }
    rec.recipient = std::string(first_address(without_type(g.get("final-recipient"))));
    if (rec.recipient.empty()) {
        rec.recipient = std::string(first_address(without_type(g.get("original-recipient"))));
    }
    if (rec.recipient.empty()) {
        rec.recipient = std::string(without_type(g.get("final-recipient")));
    }
    rec.action = encoding::ascii_lower(trim(g.get("action")));
    const auto status_field = g.get("status");
    const auto status = reasons::find_status(status_field);
    rec.status = std::string(status);
    rec.diagnostic = fold_space(without_type(g.get("diagnostic-code")), diagnostic_bound);
    if (rec.diagnostic.empty() && !status.empty()) {
        // Some MTAs give the reason only as the Status field's comment:
        // "Status: 4.0.0 (cat.example.net: host name lookup failure)".
        const auto comment = trim(status_field.substr(
            static_cast<std::size_t>(status.data() + status.size() - status_field.data())));
        if (comment.size() > 2 && comment.front() == '(' && comment.back() == ')') {
            rec.diagnostic = fold_space(comment.substr(1, comment.size() - 2), diagnostic_bound);
        }
    }
    rec.smtp_code = find_reply_code(rec.diagnostic);
    rec.remote_mta = std::string(without_type(g.get("remote-mta")));
    rec.reporting_mta = std::string(without_type(reporting));
    return rec;
}

// The text a recipient's failure is also told in, for a DSN whose Diagnostic-Code says little:
// from the line naming it to the line naming another of the report's recipients.
std::string_view text_block_for(std::string_view region, std::string_view recipient,
                                const std::vector<std::string>& all)
{
    const auto at = ifind(region, encoding::ascii_lower(recipient));
    if (at == std::string_view::npos) {
        return region.substr(0, block_bound);
    }
    const auto begin = line_start(region, at);
    const auto first_end = region.find('\n', at);
    auto end = std::min(region.size(), begin + block_bound);
    for (const auto& other : all) {
        if (iequals(other, recipient) || other.empty() || first_end == std::string_view::npos) {
            continue;
        }
        if (const auto o = ifind(region, encoding::ascii_lower(other), first_end);
            o != std::string_view::npos) {
            end = std::min(end, line_start(region, o));
        }
    }
    return region.substr(begin, end > begin ? end - begin : 0);
}

bounce_result read_dsn(const reading& r, std::string_view dsn)
{
    bounce_result out;
    out.format = "rfc3464";
    std::string_view reporting;
    std::vector<dsn_entry> all;
    for (const auto& g : parse_field_groups(dsn)) {
        if (!g.has("final-recipient") && !g.has("original-recipient")) {
            reporting = reporting.empty() ? g.get("reporting-mta") : reporting;
            continue;
        }
        if (all.size() < max_records) {
            all.push_back(dsn_record(g, reporting.empty() ? g.get("reporting-mta") : reporting));
        }
    }
    if (all.empty()) {
        return out;
    }
    if (std::all_of(all.begin(), all.end(), [](const bounce_record& x) { return delivered(x); })) {
        out.kind = message_kind::delivered;
        for (auto& x : all) {
            x.why = reason::delivered;
            out.records.push_back(std::move(x));
        }
        return out;
    }
    const auto region = failure_region(r.parts.text, nullptr);
    std::vector<std::string> names;
    for (const auto& x : all) {
        names.push_back(x.recipient);
    }
    for (auto& x : all) {
        if (delivered(x)) {
            continue;
        }
        const auto block = text_block_for(region, x.recipient, names);
        // With no Diagnostic-Code the human-readable part is all there is to read (OpenSMTPD).
        const std::string reason_text = x.diagnostic.empty() ? std::string(block) : x.diagnostic;
        const bool local_program = local_delivery_program(x.diagnostic_type);
        auto rec = classified(std::move(x), reason_text, block);
        if (local_program && names_no_cause(rec)) {
            rec.why = reason::mailererror; // "X-Unix; 75": the exit code of a local program
            rec.hard = false;
        }
        if (rec.why == reason::undefined || rec.why == reason::onhold) {
            rec = classified(std::move(rec), block);
        }
        if (rec.diagnostic.empty()) {
            rec.diagnostic = diagnostic_of(text_block_for(region, rec.recipient, names));
        }
        out.records.push_back(std::move(rec));
    }
    out.kind = message_kind::bounce;
    return out;
}

// ---------------------------------------------------------------------------------------------
// RFC 5965 ARF, and Microsoft's JMRP reports (the original recipient in a header).

std::string complained_recipient(const reading& r, const field_group& report)
{
    for (const auto name : {"original-rcpt-to", "removal-recipient"}) {
        if (const auto a = first_address(report.get(name)); !a.empty()) {
            return std::string(a);
        }
    }
    for (const auto* h : {&r.parts.headers, &r.original_fields}) {
        if (const auto a = first_address(h->get("x-hmxmroriginalrecipient")); !a.empty()) {
            return std::string(a);
        }
    }
    return r.original.to;
}

bounce_result read_feedback(const reading& r)
{
    field_group report;
    for (auto& g : parse_field_groups(r.parts.feedback_report)) {
        for (const auto& f : g.fields()) {
            report.add(f);
        }
    }
    bounce_result out;
    out.kind = message_kind::feedback;
    out.format = "arf";
    bounce_record rec;
    rec.recipient = complained_recipient(r, report);
    if (icontains(rec.recipient, "redacted") || icontains(rec.recipient, ".invalid")) {
        rec.recipient.clear();
    }
    rec.why = reason::feedback;
    const auto type = encoding::ascii_lower(trim(report.get("feedback-type")));
    rec.feedback_type = type.empty() ? "abuse" : type;
    rec.reporting_mta = std::string(without_type(report.get("reporting-mta")));
    rec.action = "complained";
    out.records.push_back(std::move(rec));
    return out;
}

bool is_feedback(const reading& r)
{
    return !r.parts.feedback_report.empty() || r.parts.report_type == "feedback-report" ||
           r.parts.headers.has("x-hmxmroriginalrecipient") ||
           r.original_fields.has("x-hmxmroriginalrecipient");
}

// ---------------------------------------------------------------------------------------------
// RFC 3834 auto-replies.

bool is_auto_reply(const reading& r)
{
    const auto submitted = encoding::ascii_lower(trim(r.parts.headers.get("auto-submitted")));
    const auto precedence = encoding::ascii_lower(trim(r.parts.headers.get("precedence")));
    return submitted.starts_with("auto-replied") || precedence == "auto_reply" ||
           any_sign(auto_reply_signs(), r);
}

bounce_result auto_reply(const reading& r)
{
    bounce_result out;
    out.kind = message_kind::auto_reply;
    out.format = "rfc3834";
    bounce_record rec;
    rec.recipient = std::string(first_address(r.parts.headers.get("from")));
    rec.why = reason::vacation;
    rec.action = "auto-replied";
    out.records.push_back(std::move(rec));
    return out;
}

// ---------------------------------------------------------------------------------------------

const mta_rule* recognised_format(const reading& r)
{
    for (const auto& rule : mta_rules()) {
        if (any_sign(rule.signs, r)) {
            return &rule;
        }
    }
    return nullptr;
}

bounce_result text_bounce(const reading& r, const mta_rule* rule)
{
    bounce_result out;
    out.format = rule != nullptr ? std::string(rule->name) : "mailer-daemon";
    const auto region = failure_region(r.parts.text, rule);
    // The MTA that wrote the text: the host its daemon writes from (MAILER-DAEMON@host).
    const auto from = first_address(r.parts.headers.get("from"));
    const auto at = from.find('@');
    out.records = text_records(r, region, at == std::string_view::npos ? "" : from.substr(at + 1));
    if (rule != nullptr && rule->fallback != reason::undefined) {
        for (auto& rec : out.records) {
            if (rec.why == reason::undefined || rec.why == reason::onhold) {
                rec.why = rule->fallback;
                rec.hard = reasons::is_hard(rec.why, rec.smtp_code / 100 == 5 ||
                                                         rec.status.starts_with("5."));
            }
        }
    }
    out.kind = out.records.empty() ? message_kind::not_bounce : message_kind::bounce;
    return out;
}

bounce_result decide(const reading& r)
{
    if (auto ses = read_ses_notification(r.parts.text)) {
        return std::move(*ses);
    }
    if (is_feedback(r)) {
        return read_feedback(r);
    }
    const auto dsn =
        r.parts.delivery_status.empty() ? embedded_dsn(r.parts.text) : r.parts.delivery_status;
    if (!dsn.empty()) {
        if (auto out = read_dsn(r, dsn); out.kind != message_kind::not_bounce) {
            return out;
        }
    }
    if (const auto* rule = recognised_format(r)) {
        if (auto out = text_bounce(r, rule); out.kind != message_kind::not_bounce) {
            return out;
        }
    }
    // A mailer daemon does not send RFC 3834 replies, though it marks its bounces as one.
    if (is_auto_reply(r) && !any_sign(daemon_only_signs(), r)) {
        return auto_reply(r);
    }
    if (any_sign(daemon_signs(), r)) {
        return text_bounce(r, nullptr);
    }
    return {};
}

void blame_the_filter(bounce_result& out)
{
    for (auto& rec : out.records) {
        if (rec.why == reason::userunknown && !status_names_address(rec.status)) {
            rec.why = reason::filtered;
            rec.hard = false;
        }
    }
}

bounce_result classify_prepared(std::string_view prepared)
{
    const auto r = read_parts(prepared);
    auto out = decide(r);
    if (out.kind == message_kind::bounce && any_sign(filter_gateway_signs(), r)) {
        blame_the_filter(out);
    }
    if (out.original.message_id.empty() && out.original.return_path.empty()) {
        out.original = r.original;
    }
    out.original.message_id = strip_angles(out.original.message_id);
    if (out.kind == message_kind::not_bounce) {
        out.records.clear();
    }
    return out;
}

} // namespace

std::string_view to_string(message_kind k) noexcept
{
    switch (k) {
    case message_kind::bounce:
        return "bounce";
    case message_kind::feedback:
        return "feedback";
    case message_kind::auto_reply:
        return "auto_reply";
    case message_kind::delivered:
        return "delivered";
    case message_kind::not_bounce:
        return "not_bounce";
    }
    return "not_bounce";
}

bounce_result classify_message(std::string_view raw) noexcept
{
    try {
        return classify_prepared(prepare_input(raw));
    } catch (...) {
        // Only allocation can fail here; a message that cannot be read is no bounce.
        return {};
    }
}

} // namespace mailgate::core::bounces
