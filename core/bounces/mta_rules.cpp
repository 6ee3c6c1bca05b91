#include "core/bounces/mta_rules.hpp"

namespace mailgate::core::bounces {
namespace {

using enum sign_in;

// Each format's text phrases are the ones its MTA writes in every bounce (its banner, its
// headline), so that a bounce relayed or quoted by another MTA is still read by its own rule.
constexpr std::array rules{
    // Google Groups refuses a post in the poster's language; only the group's address says it.
    mta_rule{"googlegroups",
             {{{text, "@googlegroups.com"}, {}}},
             {},
             {"----- original message -----"},
             reasons::reason::rejected},
    mta_rule{"qmail",
             {{{text, "this is the qmail-send program at"},
               {text, "i'm afraid i wasn't able to deliver your message"},
               {text, "this is the qmail-"},
               {}}},
             {},
             {"--- below this line is a copy of the message", "--- enclosed are the original",
              "--- the header of the original message"}},
    mta_rule{
        "yahoo",
        {{{text, "sorry, we were unable to deliver your message to the following address"}, {}}},
        {},
        {"--- below this line is a copy of the message"}},
    mta_rule{"exim",
             {{{text, "this message was created automatically by mail delivery software"},
               {text, "this message was created automatically by the smtp relay"},
               {}}},
             {"following address(es) failed", "following address failed",
              "following addresses failed", "delivered to one or more of its"},
             {"------ this is a copy of the message", "------ the body of the message is",
              "------ this is a copy of the body of the message"}},
    mta_rule{"postfix",
             {{{text, "this is the mail system at host"},
               {text, "this is the postfix program at host"},
               {}}},
             {"the mail system"},
             {"content-description: undelivered message"}},
    mta_rule{"sendmail",
             {{{text, "----- transcript of session follows -----"},
               {text, "the following addresses had permanent fatal errors"},
               {text, "the original message was received at"},
               {}}},
             {},
             {"----- original message follows", "----- message header follows",
              "----- unsent message follows", "----- returned message follows"}},
    mta_rule{"gmail",
             {{{text, "delivery to the following recipient failed"},
               {text, "delivery to the following recipients failed"},
               {text, "delivery to the following recipient has been delayed"},
               {text, "address not found"}}},
             {"delivery to the following recipient"},
             {"----- original message -----", "----- message header follows -----",
              "----- original message headers"}},
    mta_rule{"dragonfly",
             {{{text, "this is the dragonfly mail agent"}, {}}},
             {"there was an error delivering your mail"},
             {"message headers follow", "original message follows"}},
    mta_rule{"opensmtpd",
             {{{text, "this is the mailer-daemon, please do not reply"}, {}}},
             {"an error has occurred while attempting to deliver"},
             {"below is a copy of the original message"}},
    mta_rule{"office365",
             {{{text, "delivery has failed to these recipients or groups"},
               {text, "your message couldn't be delivered"},
               {text, "your message wasn't delivered"},
               {}}},
             {},
             {"original message headers", "diagnostic information for administrators"}},
    mta_rule{"exchange",
             {{{text, "did not reach some or all of the intended recipients"},
               {text, "the following recipient(s) could not be reached"},
               {text, "your message did not reach"},
               {}}},
             {"could not be reached", "did not reach the following"},
             {"original message headers"}},
    mta_rule{"amazonworkmail",
             {{{text, "an error occurred while trying to deliver the mail to the following"}, {}}},
             {},
             {}},
    mta_rule{"amazonses",
             {{{text, "the following message to"},
               {text, "an error occurred while trying to deliver"},
               {from, "amazonses.com"},
               {}}},
             {},
             {}},
    mta_rule{"sendgrid",
             {{{text, "this is an automatically generated message from sendgrid"}, {}}},
             {},
             {}},
    mta_rule{"domino",
             {{{text, "not delivered to:"}, {text, "was not delivered to:"}, {}}},
             {"was not delivered to"},
             {}},
    mta_rule{"courier",
             {{{text, "this is a delivery status notification from"},
               {text, "courier mail server"},
               {}}},
             {},
             {}},
    // au (KDDI) phones refuse senders by the owner's domain filter, and say only that the
    // recipient "was rejected".
    mta_rule{"ezweb",
             {{{from, "ezweb.ne.jp"}, {text, "each of the following recipients was rejected"}, {}}},
             {},
             {},
             reasons::reason::filtered},
    mta_rule{"messagingserver",
             {{{text, "this report relates to a message you sent with the following header"}, {}}},
             {},
             {}},
    mta_rule{"mailru",
             {{{from, "mail.ru"}, {text, "message was not delivered to the following"}, {}}},
             {},
             {}},
    mta_rule{"x2",
             {{{text, "delivery failed for the following"},
               {text, "unable to deliver message to the following address"},
               {}}},
             {},
             {}},
    mta_rule{"generic-failure",
             {{{text, "could not be delivered to"},
               {text, "delivery has failed"},
               {text, "was not delivered"},
               {text, "undeliverable"}}},
             {},
             {}},
};

constexpr std::array<std::string_view, 28> original_starts{
    "--- below this line is a copy of the message",
    "------ this is a copy of the message",
    "------ the body of the message is",
    "----- original message -----",
    "----- original message follows",
    "----- message header follows",
    "----- unsent message follows",
    "----- returned message follows",
    "original message follows",
    "message headers follow",
    "below is a copy of the original message",
    "-----original message-----",
    "original message headers",
    "the original message was:",
    "the original message headers",
    "--- the header of the original message",
    "--- enclosed are the original",
    "original mail as follows",
    "content-type: message/rfc822",
    "content-type: text/rfc822-headers",
    "content-description: undelivered message",
    "content-description: original message",
    "return-path: <",
    "received: from",
    "--- original message",
    "a copy of the original message",
    "------ returned message",
    "original message:",
};

constexpr std::array stage_phrase_table{
    stage_phrase{"in reply to end of data command", smtp_stage::data},
    stage_phrase{"in reply to data command", smtp_stage::data},
    stage_phrase{"after end of data", smtp_stage::data},
    stage_phrase{"after data", smtp_stage::data},
    stage_phrase{"our final data", smtp_stage::data},
    stage_phrase{">>> data", smtp_stage::data},
    stage_phrase{"in reply to mail from command", smtp_stage::mail},
    stage_phrase{"after mail from", smtp_stage::mail},
    stage_phrase{">>> mail from", smtp_stage::mail},
    stage_phrase{"in reply to rcpt to command", smtp_stage::rcpt},
    stage_phrase{"after rcpt to", smtp_stage::rcpt},
    stage_phrase{">>> rcpt to", smtp_stage::rcpt},
    stage_phrase{"does not like recipient", smtp_stage::rcpt},
    stage_phrase{"after rcpt command", smtp_stage::rcpt}, // Exim and its kin
    stage_phrase{"smtp:rcpt host", smtp_stage::rcpt},     // "SMTP:RCPT host 192.0.2.1: 553 ..."
    // Wording only said to RCPT TO, or by the reporting system's own directory, which refused
    // the address itself: as final as a refusal at RCPT.
    stage_phrase{"recipient address rejected", smtp_stage::rcpt, true}, // Postfix, Microsoft
    stage_phrase{"remote smtp server has rejected address", smtp_stage::rcpt, true}, // Oracle MS
    stage_phrase{"the address couldn't be found", smtp_stage::rcpt, true},           // Google
    stage_phrase{"not listed in domino directory", smtp_stage::rcpt, true},
    stage_phrase{"not listed in public name & address book", smtp_stage::rcpt, true}, // Notes
    stage_phrase{"the recipient name is not recognized", smtp_stage::rcpt, true},     // Exchange
    stage_phrase{"invalid final delivery userid", smtp_stage::rcpt, true},            // IMail
    stage_phrase{"invalid user address", smtp_stage::rcpt, true},
    stage_phrase{"check if address is correct", smtp_stage::rcpt, true}, // InterScan MSS
    stage_phrase{"after initial connection", smtp_stage::connect},
    stage_phrase{"while performing the helo handshake", smtp_stage::connect},
};

constexpr std::array<std::string_view, 6> server_word_table{
    "the error that the other server returned was:",
    "remote host said:",
    "remote server replied:",
    " said:",
    "reason:",
    "technical report:",
};

constexpr std::array last_resort_table{
    last_resort_phrase{"recipient address rejected.", reasons::reason::userunknown},
    last_resort_phrase{"check if address is correct", reasons::reason::userunknown},
    last_resort_phrase{"host not reachable", reasons::reason::networkerror},
    last_resort_phrase{"not accepting connections", reasons::reason::blocked},
};

constexpr std::array<std::string_view, 6> delay_phrase_table{
    "has been delayed",         "will be retried",
    "warning message only",     "only a temporary failure report",
    "is delayed for more than", "has not yet been delivered",
};

constexpr std::array daemon_sign_table{
    sign{from, "mailer-daemon"},
    sign{from, "postmaster"},
    sign{from, "post_master"},
    sign{from, "mail delivery"},
    sign{subject, "undeliver"},
    sign{subject, "returned mail"},
    sign{subject, "delivery status notification"},
    sign{subject, "delivery failure"},
    sign{subject, "delivery failed"},
    sign{subject, "delivery failed"},
    sign{subject, "failure notice"},
    sign{subject, "mail delivery"},
    sign{subject, "mail system error"},
    sign{subject, "nondeliverable"},
    sign{subject, "non-deliverable"},
    sign{subject, "non remis"},
    sign{subject, "could not send message"},
    sign{subject, "delivery notification"},
    sign{subject, "delivery problem"},
    sign{header, "x-failed-recipients"},
};

constexpr std::array filter_gateway_sign_table{
    sign{header, "x-nai-header"}, // McAfee Email Gateway
    sign{mailer, "surfcontrol"},
    sign{mailer, "m-filter"},
    sign{from, "mxlogic.net"},
};

constexpr std::array daemon_only_sign_table{
    sign{from, "mailer-daemon"},
    sign{from, "mail delivery subsystem"},
    sign{from, "mail delivery system"},
    sign{header, "x-failed-recipients"},
};

constexpr std::array auto_reply_sign_table{
    sign{header, "x-autoreply"},
    sign{header, "x-autorespond"},
    sign{header, "x-autoresponder"},
    sign{header, "x-ms-exchange-inbox-rules-loop"},
    sign{subject, "auto:"},
    sign{subject, "automatic reply"},
    sign{subject, "autoreply"},
    sign{subject, "auto-reply"},
    sign{subject, "auto reply"},
    sign{subject, "out of office"},
    sign{subject, "out of the office"},
    sign{subject, "vacation"},
    sign{subject, "abwesenheit"},
    sign{subject, "absence"},
    sign{subject, "automatische antwort"},
    sign{subject, "respuesta autom"},
    sign{subject, "réponse automatique"},
};

} // namespace

std::span<const mta_rule> mta_rules() noexcept
{
    return rules;
}

std::span<const std::string_view> original_markers() noexcept
{
    return original_starts;
}

std::span<const stage_phrase> stage_phrases() noexcept
{
    return stage_phrase_table;
}

std::span<const std::string_view> server_word_markers() noexcept
{
    return server_word_table;
}

std::span<const last_resort_phrase> last_resort_phrases() noexcept
{
    return last_resort_table;
}

std::span<const std::string_view> delay_phrases() noexcept
{
    return delay_phrase_table;
}

std::span<const sign> daemon_signs() noexcept
{
    return daemon_sign_table;
}

std::span<const sign> filter_gateway_signs() noexcept
{
    return filter_gateway_sign_table;
}

std::span<const sign> daemon_only_signs() noexcept
{
    return daemon_only_sign_table;
}

std::span<const sign> auto_reply_signs() noexcept
{
    return auto_reply_sign_table;
}

} // namespace mailgate::core::bounces
