#include "core/reasons/reply_rules.hpp"

#include <algorithm>
#include <array>

namespace mailgate::core::reasons {
namespace {

using enum reason;

constexpr bool weak = false;

// Tried in this order. The order is the knowledge: what names the sender (its envelope
// address, its authentication, its IP on a blocklist) comes before what names the recipient,
// because a refusal of the sender often quotes the recipient too; a blocklist's name comes
// before "spam" and "reputation", which blocklists' names and texts contain. A plain array:
// clang deduces std::array's size through a fold that stops at 256 elements.
constexpr phrase_rule rules[] = {
    // The sender's envelope address.
    phrase_rule{"sender address rejected", rejected},
    phrase_rule{"sender rejected", rejected},
    phrase_rule{"sender was rejected", rejected},
    phrase_rule{"sender verify failed", rejected},
    phrase_rule{"verification failed for", rejected},
    phrase_rule{"domain of sender address", rejected},
    phrase_rule{"sender domain does not exist", rejected},
    phrase_rule{"badmailfrom", rejected},
    phrase_rule{"invalid sender", rejected},
    phrase_rule{"bad sender", rejected},
    phrase_rule{"sender address is not", rejected},
    phrase_rule{"purported responsible address", rejected},
    phrase_rule{"is not a registered gateway user", rejected},
    // Microsoft's refusal of every recipient at once answers the sender (its envelope address).
    phrase_rule{"recipient addresses rejected : access denied", rejected},
    // The sender's address, not its IP, on the receiver's own list.
    phrase_rule{"address that has been blacklisted", rejected},
    phrase_rule{"sender address has been blacklisted", rejected},
    phrase_rule{"email address has been blacklisted", rejected},
    // Mimecast's blocked-senders policies name the envelope sender.
    phrase_rule{"envelope blocked", rejected},
    phrase_rule{"block policy for envelope from", rejected},
    // Zoho's refusals of the sender, whatever the words say of spam or of the domain.
    phrase_rule{"reason: email flagged as spam", rejected},
    phrase_rule{"mail rejected by destination domain", rejected},
    phrase_rule{"email address is not verified", norelaying},
    // Relaying.
    phrase_rule{"relay access denied", norelaying},
    phrase_rule{"relaying denied", norelaying},
    phrase_rule{"relay denied", norelaying},
    phrase_rule{"relay not permitted", norelaying},
    phrase_rule{"relaying not permitted", norelaying},
    phrase_rule{"relay not allowed", norelaying},
    phrase_rule{"relaying not allowed", norelaying},
    phrase_rule{"not allowed to relay", norelaying},
    phrase_rule{"unable to relay", norelaying},
    phrase_rule{"we do not relay", norelaying},
    phrase_rule{"relaying mail to*is not allowed", norelaying},
    phrase_rule{"allowed rcpthosts", norelaying},
    phrase_rule{"not a gateway", norelaying},
    phrase_rule{"no relaying", norelaying},
    // A DKIM-Signature header twice is the form of the message, not a failed check.
    phrase_rule{"duplicate header", notcompliantrfc},
    // The sender's authentication.
    phrase_rule{"spf check", authfailure},
    phrase_rule{"spf fail", authfailure},
    phrase_rule{"spf validation", authfailure},
    phrase_rule{"spf record", authfailure},
    phrase_rule{"sender policy framework", authfailure},
    phrase_rule{"dkim", authfailure},
    phrase_rule{"dmarc", authfailure},
    phrase_rule{"is unauthenticated", authfailure},
    phrase_rule{"must authenticate with", authfailure},
    phrase_rule{"unauthenticated senders", securityerror},
    phrase_rule{"does not have authentication information", authfailure},
    phrase_rule{"smtp authentication", securityerror},
    // The sending host's name.
    phrase_rule{"ptr record", requireptr},
    phrase_rule{"ptr resource record", requireptr},
    phrase_rule{"dns ptr", requireptr},
    phrase_rule{"reverse dns", requireptr},
    phrase_rule{"reverse hostname", requireptr},
    phrase_rule{"cannot find your hostname", requireptr},
    phrase_rule{"can't find your hostname", requireptr},
    phrase_rule{"unresolvable rdns", requireptr},
    phrase_rule{"rdns", requireptr},
    phrase_rule{"ip name lookup failed", requireptr},
    phrase_rule{"unverifyable sending ip", requireptr}, // the sending IP's name does not verify
    phrase_rule{"helo command rejected", blocked},
    // The message's form.
    phrase_rule{"not rfc 5322", notcompliantrfc},
    phrase_rule{"rfc 5322 compliant", notcompliantrfc},
    phrase_rule{"rfc5322", notcompliantrfc},
    phrase_rule{"not rfc 2822", notcompliantrfc},
    phrase_rule{"rfc 2822 compliant", notcompliantrfc},
    phrase_rule{"rfc compliant", notcompliantrfc},
    phrase_rule{"virus", virusdetected},
    // Mimecast: a virus signature, or a spam score over its threshold ("MCSpamSignature").
    phrase_rule{"rejected due to security policies", virusdetected},
    phrase_rule{"anti-spoofing policy", policyviolation}, // Mimecast
    phrase_rule{"malware", virusdetected},
    phrase_rule{"infected", virusdetected},
    phrase_rule{"potential security issue", securityerror},
    // The sending IP on a blocklist.
    // A link in the message on a URI blocklist: the content, not the sending IP.
    phrase_rule{"blacklisted url", spamdetected},
    phrase_rule{"uribl", spamdetected},
    phrase_rule{"blocked using", blocked},
    phrase_rule{"spamhaus", blocked},
    phrase_rule{"spamcop", blocked},
    phrase_rule{"barracuda", blocked},
    phrase_rule{"dnsbl", blocked},
    phrase_rule{"blacklist", blocked},
    phrase_rule{"black list", blocked},
    phrase_rule{"blocklist", blocked},
    phrase_rule{"block list", blocked},
    phrase_rule{"denylist", blocked},
    phrase_rule{"sorbs", blocked},
    phrase_rule{"uceprotect", blocked},
    phrase_rule{"banned sending ip", blocked},
    phrase_rule{"invalid ip for sending", blocked},
    phrase_rule{"permanently deferred", blocked},
    // Outlook.com's refusal of an IP on its own list (SC-001 to SC-004, S3140).
    phrase_rule{"unfortunately, messages from", blocked},
    phrase_rule{"reputation", badreputation},
    phrase_rule{"user complaints", badreputation},
    // The recipient's mailbox.
    phrase_rule{"mailbox full", mailboxfull},
    phrase_rule{"mailbox is full", mailboxfull},
    phrase_rule{"mailbox size limit", mailboxfull},
    phrase_rule{"over quota", mailboxfull},
    phrase_rule{"quota exceeded", mailboxfull},
    phrase_rule{"quotaexceeded", mailboxfull},
    phrase_rule{"exceeded storage allocation", mailboxfull},
    phrase_rule{"exceeds the storage", mailboxfull},
    phrase_rule{"mailfolder is full", mailboxfull},
    phrase_rule{"over the allowed quota", mailboxfull},
    phrase_rule{"mailbox exceeds allowed size", mailboxfull},
    phrase_rule{"length exceeds administrative limit", exceedlimit},
    // Recipients per connection (sisimai's reading: X.5.3 is toomanyconn); per hour, a pace.
    phrase_rule{"too many recipients this hour", speeding},
    phrase_rule{"too many recipients", toomanyconn},
    phrase_rule{"message too big", mesgtoobig},
    phrase_rule{"message too large", mesgtoobig},
    phrase_rule{"message is too large", mesgtoobig},
    phrase_rule{"message size exceeds", mesgtoobig},
    phrase_rule{"size exceeds", mesgtoobig},
    phrase_rule{"exceeds the maximum size", mesgtoobig},
    phrase_rule{"maximum message size", mesgtoobig},
    phrase_rule{"email is too large", mesgtoobig},
    phrase_rule{"account that you tried to reach is disabled", suspend},
    phrase_rule{"account is disabled", suspend},
    phrase_rule{"account has been disabled", suspend},
    phrase_rule{"mailbox is disabled", suspend},
    phrase_rule{"mailbox disabled", suspend},
    phrase_rule{"account disabled", suspend},
    phrase_rule{"account is suspended", suspend},
    phrase_rule{"account suspended", suspend},
    phrase_rule{"account has been suspended", suspend},
    phrase_rule{"mailbox is inactive", suspend},
    phrase_rule{"inactive user", suspend},
    phrase_rule{"account is inactive", suspend},
    phrase_rule{"account is locked", suspend},
    phrase_rule{"deactivated", suspend},
    phrase_rule{"temporarily locked", suspend},
    phrase_rule{"temporary locked", suspend},
    phrase_rule{"mailbox has moved", hasmoved},
    phrase_rule{"user has moved", hasmoved},
    phrase_rule{"address has changed", hasmoved},
    // The recipient's domain, before the recipient: "domain not found" is no user.
    // Postfix's temporary DNS failure, which names "host not found" too.
    phrase_rule{"host not found, try again", networkerror},
    phrase_rule{"host unknown", hostunknown},
    phrase_rule{"unknown host", hostunknown},
    phrase_rule{"host not found", hostunknown},
    phrase_rule{"domain not found", hostunknown},
    phrase_rule{"domain does not exist", hostunknown},
    phrase_rule{"no such domain", hostunknown},
    phrase_rule{"unknown domain", hostunknown},
    phrase_rule{"unrouteable address", hostunknown},
    phrase_rule{"unroutable address", hostunknown},
    phrase_rule{"couldn't find any host", hostunknown},
    phrase_rule{"nxdomain", hostunknown},
    phrase_rule{"dns lookup failure", hostunknown},
    phrase_rule{"null mx", notaccept},
    phrase_rule{"does not accept mail", notaccept},
    phrase_rule{"accepts no mail", notaccept},
    phrase_rule{"not accepting mail", notaccept},
    phrase_rule{"indicated no smtp service", notaccept},
    phrase_rule{"no mx found for domain", notaccept},
    // The recipient; a sender that hits many unknown recipients is refused as a sender.
    phrase_rule{"excessive unknown recipients", blocked},
    phrase_rule{"user unknown", userunknown},
    phrase_rule{"unknown user", userunknown},
    phrase_rule{"no such user", userunknown},
    phrase_rule{"no such mailbox", userunknown},
    phrase_rule{"no such recipient", userunknown},
    phrase_rule{"no such account", userunknown},
    phrase_rule{"no mailbox here", userunknown},
    phrase_rule{"user not found", userunknown},
    phrase_rule{"recipient not found", userunknown},
    phrase_rule{"recipientnotfound", userunknown},
    phrase_rule{"recipnotfound", userunknown},
    phrase_rule{"mailbox not found", userunknown},
    phrase_rule{"mailbox does not exist", userunknown},
    phrase_rule{"mailbox doesn't exist", userunknown},
    phrase_rule{"user does not exist", userunknown},
    phrase_rule{"user doesn't exist", userunknown},
    phrase_rule{"user not exist", userunknown},
    phrase_rule{"recipient does not exist", userunknown},
    phrase_rule{"address does not exist", userunknown},
    phrase_rule{"account does not exist", userunknown},
    phrase_rule{"tried to reach does not exist", userunknown},
    phrase_rule{"doesn't have a*account", userunknown},
    phrase_rule{"addressee unknown", userunknown},
    phrase_rule{"recipient unknown", userunknown},
    phrase_rule{"unknown recipient", userunknown},
    phrase_rule{"invalid recipient", userunknown},
    phrase_rule{"invalid mailbox", userunknown},
    phrase_rule{"not a valid mailbox", userunknown},
    phrase_rule{"recipient address rejected: access denied", userunknown},
    phrase_rule{"not listed in domino directory", userunknown},
    phrase_rule{"not listed in public name & address book", userunknown},
    phrase_rule{"invalid final delivery userid", userunknown},
    phrase_rule{"no longer accepts mail", hasmoved},
    // Spam and pace.
    phrase_rule{"unsolicited", spamdetected},
    phrase_rule{"rejected, ube", spamdetected},
    phrase_rule{"message content rejected", spamdetected},
    phrase_rule{"spam", spamdetected},
    phrase_rule{"junk mail", spamdetected},
    phrase_rule{"bulk mail", spamdetected},
    phrase_rule{"rate limit", speeding},
    phrase_rule{"ratelimit", speeding},
    phrase_rule{"too many messages", speeding},
    phrase_rule{"too many emails", speeding},
    phrase_rule{"too much mail", speeding},
    phrase_rule{"sending too fast", speeding},
    phrase_rule{"how many messages can be sent", speeding},
    phrase_rule{"server busy. please try again later from", speeding},
    phrase_rule{"unexpected volume", speeding},
    phrase_rule{"too many connections", toomanyconn},
    phrase_rule{"too many concurrent", toomanyconn},
    phrase_rule{"too many simultaneous", toomanyconn},
    phrase_rule{"too many sessions", toomanyconn},
    phrase_rule{"connection limit", toomanyconn},
    phrase_rule{"connection frequency limited", toomanyconn},
    // Transport security.
    phrase_rule{"starttls", failedstarttls},
    phrase_rule{"tls not available", failedstarttls},
    phrase_rule{"tls required", failedstarttls},
    phrase_rule{"requiretls", failedstarttls},
    phrase_rule{"does not support tls", failedstarttls},
    // The ESP's own list.
    phrase_rule{"suppression list", suppressed},
    phrase_rule{"has suppressed sending", suppressed},
    // The receiving system.
    phrase_rule{"insufficient system storage", systemfull},
    phrase_rule{"insufficient disk space", systemfull},
    phrase_rule{"disk full", systemfull},
    phrase_rule{"mail system full", systemfull},
    // qmail-ldap's own failure, before the "in the queue too long" that qmail adds to it.
    phrase_rule{"unable to contact ldap server", systemerror},
    phrase_rule{"queue too long", expired},
    phrase_rule{"in the queue too long", expired},
    phrase_rule{"retry timeout exceeded", expired},
    phrase_rule{"retry time not reached", expired},
    phrase_rule{"delivery time expired", expired},
    phrase_rule{"message expired", expired},
    phrase_rule{"could not be delivered for", expired},
    phrase_rule{"could not deliver for the last", expired},
    phrase_rule{"message still undelivered after", expired},
    phrase_rule{"not delivered within", expired},
    phrase_rule{"all hosts have been failing for a long time", expired},
    // Google's report of no connection in its whole retry period.
    phrase_rule{"did not accept our requests to connect", expired},
    phrase_rule{"was aborted after", expired},
    phrase_rule{"delivery failed*attempts", expired},
    phrase_rule{"host name lookup failure", networkerror}, // Sendmail: DNS did not answer
    phrase_rule{"hop count exceeded", networkerror},
    phrase_rule{"too many hops", networkerror},
    phrase_rule{"mail loop", networkerror},
    phrase_rule{"loops back to myself", networkerror},
    phrase_rule{"temporary lookup failure", systemerror},
    phrase_rule{"local problem", systemerror},
    phrase_rule{"queue file write error", systemerror},
    phrase_rule{"syntax error", syntaxerror},
    phrase_rule{"command unrecognized", syntaxerror},
    phrase_rule{"command not recognized", syntaxerror},
    phrase_rule{"unrecognized command", syntaxerror},
    phrase_rule{"bad sequence of commands", syntaxerror},
    phrase_rule{"mailer error", mailererror},
    phrase_rule{"command died", mailererror},
    phrase_rule{"pipe to |", mailererror},
    phrase_rule{"procmail:", mailererror},
    phrase_rule{"invalid mime", contenterror},
    phrase_rule{"header syntax", contenterror},
    phrase_rule{"illegal header", contenterror},
    phrase_rule{"8-bit data", contenterror},
    phrase_rule{"restrictedtorecipientspermission", filtered},
    phrase_rule{"content filter", filtered},
    phrase_rule{"rejected by the recipient", filtered},
    phrase_rule{"greylist", blocked},
    phrase_rule{"graylist", blocked},
    // Generic wording, believed only when the status code says nothing specific.
    phrase_rule{"mailbox unavailable", userunknown, weak},
    phrase_rule{"invalid address", userunknown, weak},
    phrase_rule{"recipient rejected", userunknown, weak},
    phrase_rule{"refused to talk to me", blocked, weak},
    phrase_rule{"authentication required", securityerror, weak},
    phrase_rule{"authentication failed", securityerror, weak},
    phrase_rule{"credentials invalid", securityerror, weak},
    phrase_rule{"administrative prohibition", policyviolation, weak},
    phrase_rule{"polic", policyviolation, weak},
    phrase_rule{"blocked", blocked, weak},
    phrase_rule{"banned", blocked, weak},
    phrase_rule{"access denied", blocked, weak},
    phrase_rule{"client host rejected", blocked, weak},
    phrase_rule{"your ip", blocked, weak},
    phrase_rule{"not allowed", blocked, weak},
    phrase_rule{"timed out", networkerror, weak},
    phrase_rule{"network error", networkerror, weak},
    phrase_rule{"connection refused", networkerror, weak},
    phrase_rule{"no route to host", networkerror, weak},
    phrase_rule{"read error", networkerror, weak},
    phrase_rule{"dns", networkerror, weak},
    phrase_rule{"temporarily unavailable", systemerror, weak},
    phrase_rule{"system error", systemerror, weak},
    phrase_rule{"internal error", systemerror, weak},
    phrase_rule{"server error", systemerror, weak},
    phrase_rule{"service currently unavailable", systemerror, weak},
};

// Orange's and La Poste's codes, OFR or LPN, an optional server number, '_' and the code (their
// postmaster pages; https://www.postmastery.com/orange-postmaster-smtp-error-codes-ofr/). The
// codes that only say "try later" are left to the rest of the reply.
struct receiver_code {
    std::string_view code;
    reason why;
};

constexpr receiver_code orange_codes[] = {
    {"101", blocked},         {"102", blocked},     {"103", blocked},       {"104", toomanyconn},
    {"305", securityerror},   {"401", authfailure}, {"402", securityerror}, {"403", rejected},
    {"405", rejected},        {"415", rejected},    {"416", userunknown},   {"417", mailboxfull},
    {"420", suspend},         {"421", rejected},    {"426", suspend},       {"505", systemerror},
    {"506", spamdetected},    {"510", blocked},     {"514", mesgtoobig},    {"517", authfailure},
    {"630", policyviolation}, {"999", blocked},
};

bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

// The three digits after "ofr" or "lpn" (and a server number) and '_', or empty.
std::string_view orange_code_at(std::string_view text, std::size_t at)
{
    std::size_t i = at + 3;
    while (i < text.size() && i < at + 8 && is_digit(text[i])) {
        ++i;
    }
    if (i + 4 > text.size() || text[i] != '_' || !is_digit(text[i + 1]) || !is_digit(text[i + 2]) ||
        !is_digit(text[i + 3]) || (i + 4 < text.size() && is_digit(text[i + 4]))) {
        return {};
    }
    return text.substr(i + 1, 3);
}

struct status_entry {
    std::string_view code;
    status_meaning meaning;
};

constexpr status_meaning specific(reason r)
{
    return {r, false};
}
constexpr status_meaning generic(reason r)
{
    return {r, true};
}

// The IANA registry's codes (RFC 3463 and its successors) by what each says of the failure.
// Sorted by code, for a binary search. 4.2.1 is read as receivers use it, as sisimai does:
// refusing the sender for a while (Orange's "Service refusé", per-mailbox rate limits), not a
// disabled mailbox, which they report as 5.2.1 or in words.
constexpr std::array statuses{
    status_entry{"4.1.1", specific(userunknown)},  status_entry{"4.1.2", specific(hostunknown)},
    status_entry{"4.1.6", specific(hasmoved)},     status_entry{"4.1.7", specific(rejected)},
    status_entry{"4.1.8", specific(rejected)},     status_entry{"4.2.1", specific(blocked)},
    status_entry{"4.2.2", specific(mailboxfull)},  status_entry{"4.2.3", specific(exceedlimit)},
    status_entry{"4.2.4", specific(filtered)},     status_entry{"4.3.1", specific(systemfull)},
    status_entry{"4.3.2", specific(notaccept)},    status_entry{"4.3.3", generic(systemerror)},
    status_entry{"4.3.4", specific(mesgtoobig)},   status_entry{"4.3.5", generic(systemerror)},
    status_entry{"4.4.0", generic(networkerror)},  status_entry{"4.4.1", generic(networkerror)},
    status_entry{"4.4.2", generic(networkerror)},  status_entry{"4.4.3", generic(systemerror)},
    status_entry{"4.4.4", generic(networkerror)},  status_entry{"4.4.5", specific(systemfull)},
    status_entry{"4.4.6", specific(networkerror)}, status_entry{"4.4.7", specific(expired)},
    status_entry{"4.5.3", specific(toomanyconn)},  status_entry{"4.7.1", generic(blocked)},
    status_entry{"4.7.24", specific(authfailure)}, status_entry{"4.7.25", specific(requireptr)},
    status_entry{"4.7.26", specific(authfailure)}, status_entry{"4.7.28", generic(speeding)},
    status_entry{"5.1.0", generic(userunknown)},   status_entry{"5.1.1", specific(userunknown)},
    status_entry{"5.1.10", specific(notaccept)},   status_entry{"5.1.2", specific(hostunknown)},
    status_entry{"5.1.3", specific(userunknown)},  status_entry{"5.1.4", specific(filtered)},
    status_entry{"5.1.6", specific(hasmoved)},     status_entry{"5.1.7", specific(rejected)},
    status_entry{"5.1.8", specific(rejected)},     status_entry{"5.1.9", generic(systemerror)},
    status_entry{"5.2.0", generic(filtered)},      status_entry{"5.2.1", specific(suspend)},
    status_entry{"5.2.2", specific(mailboxfull)},  status_entry{"5.2.3", specific(exceedlimit)},
    status_entry{"5.2.4", specific(filtered)},     status_entry{"5.3.0", generic(systemerror)},
    status_entry{"5.3.1", specific(systemfull)},   status_entry{"5.3.2", specific(notaccept)},
    status_entry{"5.3.3", generic(systemerror)},   status_entry{"5.3.4", specific(mesgtoobig)},
    status_entry{"5.3.5", generic(systemerror)},   status_entry{"5.4.0", generic(networkerror)},
    status_entry{"5.4.3", generic(systemerror)},   status_entry{"5.4.4", specific(hostunknown)},
    status_entry{"5.4.6", specific(networkerror)}, status_entry{"5.4.7", specific(expired)},
    status_entry{"5.5.1", generic(syntaxerror)},   status_entry{"5.5.2", generic(syntaxerror)},
    status_entry{"5.5.3", specific(toomanyconn)},  status_entry{"5.5.4", generic(syntaxerror)},
    status_entry{"5.5.5", generic(systemerror)},   status_entry{"5.5.6", generic(syntaxerror)},
    status_entry{"5.7.0", generic(securityerror)}, status_entry{"5.7.1", generic(securityerror)},
    status_entry{"5.7.13", specific(suspend)},     status_entry{"5.7.17", specific(hasmoved)},
    status_entry{"5.7.18", specific(hasmoved)},    status_entry{"5.7.20", specific(authfailure)},
    status_entry{"5.7.21", specific(authfailure)}, status_entry{"5.7.22", specific(authfailure)},
    status_entry{"5.7.23", specific(authfailure)}, status_entry{"5.7.24", specific(authfailure)},
    status_entry{"5.7.25", specific(requireptr)},  status_entry{"5.7.26", specific(authfailure)},
    status_entry{"5.7.27", specific(notaccept)},   status_entry{"5.7.28", specific(spamdetected)},
    status_entry{"5.7.29", specific(authfailure)}, status_entry{"5.7.30", specific(failedstarttls)},
    status_entry{"5.7.8", generic(securityerror)}, status_entry{"5.7.9", generic(securityerror)},
};

constexpr bool sorted()
{
    for (std::size_t i = 1; i < statuses.size(); ++i) {
        if (!(statuses[i - 1].code < statuses[i].code)) {
            return false;
        }
    }
    return true;
}
static_assert(sorted(), "the status table is searched by bisection");

// A code the table does not list still says something through its subject (the middle part).
std::optional<status_meaning> subject_reason(std::string_view status)
{
    if (status.size() < 4) {
        return std::nullopt;
    }
    switch (status[2]) {
    case '3':
        return generic(systemerror);
    case '4':
        return generic(networkerror);
    case '6':
        return specific(contenterror);
    case '7':
        return generic(securityerror);
    default:
        return std::nullopt;
    }
}

} // namespace

std::span<const phrase_rule> phrase_rules() noexcept
{
    return rules;
}

std::optional<reason> receiver_code_reason(std::string_view text) noexcept
{
    for (const std::string_view label : {"ofr", "lpn"}) {
        for (auto at = text.find(label); at != std::string_view::npos;
             at = text.find(label, at + 1)) {
            const auto code = orange_code_at(text, at);
            for (const auto& c : orange_codes) {
                if (!code.empty() && c.code == code) {
                    return c.why;
                }
            }
        }
    }
    return std::nullopt;
}

std::optional<status_meaning> status_reason(std::string_view status) noexcept
{
    const auto it =
        std::lower_bound(statuses.begin(), statuses.end(), status,
                         [](const status_entry& e, std::string_view s) { return e.code < s; });
    if (it != statuses.end() && it->code == status) {
        return it->meaning;
    }
    return subject_reason(status);
}

} // namespace mailgate::core::reasons
