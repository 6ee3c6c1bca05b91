// The reply classifier against real reply lines from the major receivers and MTAs, as their
// postmaster pages and real bounces show them (addresses and IPs replaced by documentation
// values).

#include "core/reasons/reply_classifier.hpp"

#include <gtest/gtest.h>

#include <span>
#include <string>
#include <string_view>

namespace mailgate::core::reasons {
namespace {

struct reply_case {
    std::string_view line; ///< as the server sent it: "550 5.1.1 ..." or a bare diagnostic
    reason expected;
    bool hard;
};

using enum reason;

constexpr reply_case gmail[] = {
    {"550-5.1.1 The email account that you tried to reach does not exist. Please try "
     "double-checking the recipient's email address for typos or unnecessary spaces. "
     "https://support.google.com/mail/?p=NoSuchUser a1si123.45 - gsmtp",
     userunknown, true},
    {"550 5.1.1 The email account that you tried to reach does not exist. Please try\r\n"
     "550 5.1.1 double-checking the recipient's email address for typos or\r\n"
     "550 5.1.1 unnecessary spaces. Learn more at\r\n"
     "550 5.1.1  https://support.google.com/mail/?p=NoSuchUser x12si - gsmtp",
     userunknown, true},
    {"552-5.2.2 The email account that you tried to reach is over quota. Please direct the "
     "recipient to https://support.google.com/mail/?p=OverQuotaPerm - gsmtp",
     mailboxfull, false},
    {"452-4.2.2 The email account that you tried to reach is over quota. Please direct the "
     "recipient to https://support.google.com/mail/?p=OverQuotaTemp - gsmtp",
     mailboxfull, false},
    {"550-5.2.1 The email account that you tried to reach is disabled. Learn more at "
     "https://support.google.com/mail/?p=DisabledUser - gsmtp",
     suspend, false},
    {"550-5.7.1 [192.0.2.1] Our system has detected that this message is likely unsolicited "
     "mail. To reduce the amount of spam sent to Gmail, this message has been blocked. "
     "https://support.google.com/mail/?p=UnsolicitedMessageError - gsmtp",
     spamdetected, false},
    {"421-4.7.0 [192.0.2.1] Our system has detected an unusual rate of unsolicited mail "
     "originating from your IP address. To protect our users from spam, mail sent from your "
     "IP address has been temporarily rate limited. - gsmtp",
     spamdetected, false},
    {"550-5.7.26 This mail is unauthenticated, which poses a security risk to the sender and "
     "Gmail users, and has been blocked. The sender must authenticate with at least one of SPF "
     "or DKIM. https://support.google.com/mail/answer/81126 - gsmtp",
     authfailure, false},
    {"550-5.7.26 Unauthenticated email from example.com is not accepted due to domain's DMARC "
     "policy. Please contact the administrator of example.com domain. - gsmtp",
     authfailure, false},
    {"421-4.7.26 This mail has been rate limited because it is unauthenticated. Gmail requires "
     "all senders to authenticate with either SPF or DKIM. - gsmtp",
     authfailure, false},
    {"550-5.7.25 [192.0.2.1] The IP address sending this message does not have a PTR record "
     "setup, or the corresponding forward DNS entry does not point to the sending IP. - gsmtp",
     requireptr, false},
    {"421-4.7.0 This message is suspicious due to the very low reputation of the sending IP "
     "address. To protect our users from spam, mail sent from your IP address has been "
     "temporarily rate limited. - gsmtp",
     badreputation, false},
    {"550-5.7.1 This message is not RFC 5322 compliant. There are multiple From headers. "
     "https://support.google.com/mail/?p=RfcMessageNonCompliant - gsmtp",
     notcompliantrfc, false},
    {"552-5.7.0 This message was blocked because its content presents a potential security "
     "issue. https://support.google.com/mail/?p=BlockedMessage - gsmtp",
     securityerror, false},
    {"552-5.3.4 Your message exceeded Google's message size limits. "
     "https://support.google.com/mail/?p=MaxSizeError - gsmtp",
     mesgtoobig, false},
    {"452-4.5.3 Your message has too many recipients. "
     "https://support.google.com/mail/?p=TooManyRecipientsError - gsmtp",
     toomanyconn, false},
    {"421-4.7.28 [192.0.2.1] Our system has detected an unusual rate of unsolicited mail "
     "originating from your DKIM domain. - gsmtp",
     authfailure, false},
    {"550-5.4.1 Recipient address rejected: Access denied - gsmtp", userunknown, true},
    {"550-5.7.1 [192.0.2.1] The IP you're using to send mail is not authorized to send email "
     "directly to our servers. Please use the SMTP relay at your service provider instead. "
     "- gsmtp",
     securityerror, false},
    {"421-4.3.0 Temporary System Problem. Try again later (10). - gsmtp", systemerror, false},
    {"DNS Error: DNS type 'mx' lookup of example.invalid responded with code NXDOMAIN Domain "
     "name not found: example.invalid",
     hostunknown, true},
    {"550-5.7.28 [192.0.2.1] Our system has detected an unusual rate of unsolicited mail "
     "originating from your IP address. - gsmtp",
     spamdetected, false},
};

constexpr reply_case microsoft[] = {
    {"550 5.5.0 Requested action not taken: mailbox unavailable (S2017062302). "
     "[AM4PEPF00025F9D.EURPRD83.prod.outlook.com]",
     userunknown, true},
    {"550 Requested action not taken: mailbox unavailable (1845209479:3176:-2147467259)",
     userunknown, true},
    {"550 5.7.1 Unfortunately, messages from [192.0.2.1] weren't sent. Please contact your "
     "Internet service provider since part of their network is on our block list (S3150). You "
     "can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors.",
     blocked, false},
    {"550 5.7.1 Unfortunately, messages from [192.0.2.1] weren't sent. Please contact your "
     "Internet service provider since part of their network is on our block list (S3140).",
     blocked, false},
    {"550 SC-001 (BAY004-MC5F12) Unfortunately, messages from 192.0.2.1 weren't sent. Please "
     "contact your Internet service provider since part of their network is on our block list.",
     blocked, false},
    {"421 RP-001 (BAY004-MC1F4) Unfortunately, some messages from 192.0.2.1 weren't sent. Please "
     "try again. We have limits for how many messages can be sent per hour and per day.",
     speeding, false},
    {"451 4.7.500 Server busy. Please try again later from [192.0.2.1]. (S77714) "
     "[DM6NAM12FT012.eop-nam12.prod.protection.outlook.com]",
     speeding, false},
    {"550 5.7.606 Access denied, banned sending IP [192.0.2.1]. To request removal from this "
     "list please visit https://sender.office.com/ and follow the directions.",
     blocked, false},
    {"550 5.7.511 Access denied, banned sender[192.0.2.1]. To request removal from this list "
     "please forward this message to delist@microsoft.com.",
     blocked, false},
    {"550 5.7.708 Service unavailable. Access denied, traffic not accepted from this IP.", blocked,
     false},
    {"550 5.7.750 Service unavailable. Client blocked from sending from unregistered domains.",
     blocked, false},
    {"550 5.7.509 Access denied, sending domain example.com does not pass DMARC verification "
     "and has a DMARC policy of reject.",
     authfailure, false},
    {"550 5.4.1 Recipient address rejected: Access denied. AS(201806281) "
     "[BN8NAM11FT066.eop-nam11.prod.protection.outlook.com]",
     userunknown, true},
    {"550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup",
     userunknown, true},
    {"550 5.1.1 RESOLVER.ADR.RecipNotFound; not found", userunknown, true},
    {"#550 5.1.1 RESOLVER.ADR.ExRecipNotFound; not found ##", userunknown, true},
    {"554 5.2.2 mailbox full; STOREDRV.Deliver.Exception:QuotaExceededException."
     "MapiExceptionShutoffQuotaExceeded; Failed to process message due to a permanent exception",
     mailboxfull, false},
    {"552 5.2.2 STOREDRV.Deliver.Exception:QuotaExceededException.MapiExceptionQuotaExceeded",
     mailboxfull, false},
    {"550 5.7.1 RESOLVER.RST.AuthRequired; authentication required", securityerror, false},
    {"550 5.7.133 RESOLVER.RST.SenderNotAuthenticatedForGroup; authentication required",
     securityerror, false},
    {"550 5.7.129 RESOLVER.RST.RestrictedToRecipientsPermission; not authorized to send to the "
     "recipient because the sender isn't on the allowed senders list",
     filtered, false},
    {"554 5.4.14 Hop count exceeded - possible mail loop ATTR34", networkerror, false},
    {"550 5.4.300 Message expired", expired, false},
    {"554 5.6.211 Invalid MIME Content: Single text value size (32768) exceeded allowed maximum "
     "(32768) for the 'X-Long' header",
     contenterror, false},
    {"550 5.7.350 Remote server returned message detected as spam -> 550 5.7.1 Message "
     "rejected as spam by Content Filtering.",
     spamdetected, false},
    {"452 4.5.3 Too many recipients", toomanyconn, false},
    {"550 5.1.8 Access denied, bad outbound sender. AS(42)", rejected, false},
    {"550 5.7.1 Service unavailable, Client host [192.0.2.1] blocked using Spamhaus. To request "
     "removal from this list see https://www.spamhaus.org/query/ip/192.0.2.1 (AS3130).",
     blocked, false},
    {"550 5.4.316 Message expired, connection refused(Socket error code 10061)", expired, false},
    {"550 5.7.520 Access denied, Your organization does not allow external forwarding. AS(7555)",
     blocked, false},
    {"550 5.2.1 Mailbox cannot be accessed. The mailbox is disabled.", suspend, false},
};

constexpr reply_case yahoo_aol[] = {
    {"554 delivery error: dd This user doesn't have a yahoo.com account (someone@yahoo.com) [0] "
     "- mta1321.mail.ne1.yahoo.com",
     userunknown, true},
    {"554 delivery error: dd This user doesn't have a aol.com account (someone@aol.com) [0] - "
     "mtaproxy102.free.mail.bf1.yahoo.com",
     userunknown, true},
    {"554 delivery error: dd Sorry your message to someone@yahoo.com cannot be delivered. This "
     "mailbox is disabled (554.30). - mta1138.mail.bf1.yahoo.com",
     suspend, false},
    {"552 1 Requested mail action aborted, mailbox not found", userunknown, true},
    {"421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or "
     "user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes",
     badreputation, false},
    {"421 4.7.0 [TS01] Messages from 192.0.2.1 temporarily deferred due to user complaints - "
     "4.16.55.1; see https://postmaster.yahooinc.com/error-codes",
     badreputation, false},
    {"421 4.7.0 [TSS09] All messages from 192.0.2.1 will be permanently deferred; Retrying will "
     "NOT succeed. See https://postmaster.yahooinc.com/error-codes",
     blocked, false},
    {"553 5.7.1 [BL21] Connections will not be accepted from 192.0.2.1, because the ip is in "
     "Spamhaus's list; see https://postmaster.yahooinc.com/error-codes",
     blocked, false},
    {"554 5.7.9 Message not accepted for policy reasons. See "
     "https://postmaster.yahooinc.com/error-codes",
     policyviolation, false},
    {"550 5.7.9 This mail has been blocked because the sender is unauthenticated. Yahoo requires "
     "all senders to authenticate with either SPF or DKIM.",
     authfailure, false},
    {"421 4.7.1 [TSS11] Excessive unknown recipients - possible Open Relay (#4.7.1)", blocked,
     false},
    {"553 5.7.2 [TSS09] All messages from 192.0.2.1 will be permanently deferred; Retrying will "
     "NOT succeed.",
     blocked, false},
    {"554 30 Sorry, your message size exceeds 41943040 bytes.", mesgtoobig, false},
    {"421 Message from (192.0.2.1) temporarily deferred - 4.16.50. Please refer to "
     "https://postmaster.yahooinc.com/error-codes",
     onhold, false},
    {"552 1 Requested mail action aborted, mailbox quota exceeded", mailboxfull, false},
};

constexpr reply_case apple[] = {
    {"550 5.1.1 <someone@icloud.com>: user does not exist", userunknown, true},
    {"550 5.1.1 <someone@me.com>: inactive email address", userunknown, true},
    {"552 5.2.2 <someone@icloud.com>: user is over quota", mailboxfull, false},
    {"554 5.7.1 [CS01] Message rejected due to local policy. Please visit "
     "https://support.apple.com/en-us/HT204137",
     policyviolation, false},
    {"550 5.7.0 Blocked - see https://support.proofpoint.com/dnsbl-lookup.cgi?ip=192.0.2.1",
     blocked, false},
    {"421 4.7.0 [HM07] Message temporarily deferred due to unresolvable rDNS; please see "
     "https://support.apple.com/en-us/HT204137",
     requireptr, false},
    {"550 5.7.1 Mail from IP 192.0.2.1 was rejected due to listing in Spamhaus SBL.", blocked,
     false},
    {"552 5.3.4 Message too large", mesgtoobig, false},
    {"421 4.7.1 [CS05] Message temporarily deferred due to rate limiting.", speeding, false},
    {"550 5.7.1 [HM08] Message rejected due to local policy.", policyviolation, false},
};

constexpr reply_case postfix[] = {
    {"550 5.1.1 <someone@example.com>: Recipient address rejected: User unknown in local "
     "recipient table",
     userunknown, true},
    {"550 5.1.1 <someone@example.com>: Recipient address rejected: User unknown in virtual "
     "mailbox table",
     userunknown, true},
    {"550 5.1.1 <someone@example.com>: Recipient address rejected: User unknown in relay "
     "recipient table",
     userunknown, true},
    {"550 5.1.1 <someone@example.com>: Recipient address rejected: User unknown in virtual "
     "alias table",
     userunknown, true},
    {"554 5.7.1 <someone@example.org>: Relay access denied", norelaying, false},
    {"450 4.1.8 <bounce@sender.example>: Sender address rejected: Domain not found", rejected,
     false},
    {"553 5.1.8 <bounce@sender.example>: Sender address rejected: Domain not found", rejected,
     false},
    {"550 5.1.0 <bounce@sender.example>: Sender address rejected: User unknown in local "
     "recipient table",
     rejected, false},
    {"504 5.5.2 <bounce>: Sender address rejected: need fully-qualified address", rejected, false},
    {"450 4.1.2 <someone@nonexistent.example>: Recipient address rejected: Domain not found",
     hostunknown, true},
    {"554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org; "
     "https://www.spamhaus.org/query/ip/192.0.2.1",
     blocked, false},
    {"554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using bl.spamcop.net; "
     "Blocked - see https://www.spamcop.net/bl.shtml?192.0.2.1",
     blocked, false},
    {"450 4.7.1 Client host rejected: cannot find your hostname, [192.0.2.1]", requireptr, false},
    {"450 4.7.1 Client host rejected: cannot find your reverse hostname, [192.0.2.1]", requireptr,
     false},
    {"550 5.7.1 Client host rejected: cannot find your reverse hostname, [192.0.2.1]", requireptr,
     false},
    {"504 5.5.2 <localhost>: Helo command rejected: need fully-qualified hostname", blocked, false},
    {"552 5.2.2 <someone@example.com>: Recipient address rejected: Mailbox full", mailboxfull,
     false},
    {"452 4.2.2 <someone@example.com>: Recipient address rejected: Mailbox is full", mailboxfull,
     false},
    {"552 5.3.4 Message size exceeds fixed limit", mesgtoobig, false},
    {"452 4.3.1 Insufficient system storage", systemfull, false},
    {"451 4.3.0 <someone@example.com>: Temporary lookup failure", systemerror, false},
    {"450 4.2.0 <someone@example.com>: Recipient address rejected: Greylisted, see "
     "http://postgrey.schweikert.ch/help/example.com.html",
     blocked, false},
    {"421 4.7.0 mx.example.com Error: too many connections from 192.0.2.1", toomanyconn, false},
    {"550 5.7.1 <someone@example.com>: Recipient address rejected: Message rejected due to: SPF "
     "fail - not authorized",
     authfailure, false},
    {"554 5.7.1 <unknown[192.0.2.1]>: Client host rejected: Access denied", blocked, false},
    {"421 4.4.2 mx.example.com Error: timeout exceeded", networkerror, false},
    {"452 4.5.3 Error: too many recipients", toomanyconn, false},
    {"550 5.7.1 Virus found: Win.Test.EICAR_HDB-1", virusdetected, false},
    {"554 5.7.1 Spam message rejected", spamdetected, false},
    {"451 4.7.1 Try again later", blocked, false},
    {"554 5.7.1 <someone@example.com>: Recipient address rejected: Access denied", userunknown,
     true},
    {"550 5.7.1 <someone@example.com>: Recipient address rejected: Please see "
     "http://www.openspf.net/Why?s=mfrom",
     securityerror, false},
    {"450 4.7.1 <someone@example.com>: Recipient address rejected: Policy Rejection- Quota "
     "Exceeded",
     mailboxfull, false},
    {"550 5.1.1 <someone@example.com>: Recipient address rejected: undeliverable address: host "
     "mx.example.com[192.0.2.25] said: 550 5.1.1 User unknown (in reply to RCPT TO command)",
     userunknown, true},
    {"554 5.4.6 Too many hops", networkerror, false},
    {"550 5.7.0 Your message could not be sent. The limit on the number of allowed outgoing "
     "messages was exceeded. Try again later.",
     securityerror, false},
    {"451 4.3.5 Server configuration problem", systemerror, false},
    {"550 5.7.1 Message rejected as spam by Content Filtering.", spamdetected, false},
    {"554 5.7.1 <someone@example.com>: Recipient address rejected: This mailbox has been "
     "deactivated",
     suspend, false},
};

constexpr reply_case exim_qmail_sendmail[] = {
    {"550 Unrouteable address", hostunknown, true},
    {"550 No Such User Here", userunknown, true},
    {"550-Verification failed for <bounce@sender.example>\r\n550-Unrouteable address\r\n550 "
     "Sender verify failed",
     rejected, false},
    {"550 Administrative prohibition", policyviolation, false},
    {"552 Message size exceeds maximum permitted", mesgtoobig, false},
    {"550 rejected because 192.0.2.1 is in a black list at zen.spamhaus.org", blocked, false},
    {"451 Temporary local problem - please try later", systemerror, false},
    {"550 relay not permitted", norelaying, false},
    {"552 5.2.2 Mailbox quota exceeded", mailboxfull, false},
    {"550 5.7.1 Rejected: 192.0.2.1 listed at bl.spamcop.net", blocked, false},
    {"retry timeout exceeded", expired, false},
    {"550-Callout verification failed:\r\n550 550 Unrouteable address", hostunknown, true},
    {"550 5.1.1 <someone@example.com>: Recipient address rejected: example.com", userunknown, true},
    {"451-192.0.2.1 is not yet authorized to deliver mail from\r\n451 <bounce@sender.example> "
     "to <someone@example.com>. Please try later.",
     onhold, false},
    {"550 Your IP address 192.0.2.1 is listed in a DNS blacklist", blocked, false},
    {"Sorry, no mailbox here by that name. (#5.1.1)", userunknown, true},
    {"Sorry, I couldn't find any host named nonexistent.example. (#5.1.2)", hostunknown, true},
    {"553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)", norelaying, false},
    {"The users mailfolder is over the allowed quota (size). (#5.2.2)", mailboxfull, false},
    {"I'm not going to try again; this message has been in the queue too long.", expired, false},
    {"Sorry, I wasn't able to establish an SMTP connection. (#4.4.1)", networkerror, false},
    {"Connected to 192.0.2.25 but sender was rejected. Remote host said: 553 sorry, your "
     "envelope sender is in my badmailfrom list (#5.7.1)",
     rejected, false},
    {"Sorry. Although I'm listed as a best-preference MX or A for that host, it isn't in my "
     "control/locals file, so I don't treat it as local. (#5.4.6)",
     networkerror, false},
    {"550 5.1.1 <someone@example.com>... User unknown", userunknown, true},
    {"553 5.3.0 <someone@example.com>... Addressee unknown, relay=[192.0.2.1]", userunknown, true},
    {"550 5.7.1 <someone@example.com>... Relaying denied", norelaying, false},
    {"550 5.1.2 <someone@nonexistent.example>... Host unknown (Name server: "
     "nonexistent.example: host not found)",
     hostunknown, true},
    {"552 5.2.2 <someone@example.com>... Mailbox full", mailboxfull, false},
    {"451 4.4.1 reply: read error from mx.example.com.", networkerror, false},
    {"554 5.4.6 Too many hops 26 (25 max): from <bounce@sender.example> via localhost, to "
     "<someone@example.com>",
     networkerror, false},
    {"553 5.1.8 <bounce@sender.example>... Domain of sender address bounce@sender.example does "
     "not exist",
     rejected, false},
    {"550 5.7.1 <someone@example.com>... Access denied", blocked, false},
    {"452 4.4.5 Insufficient disk space; try again later", systemfull, false},
    {"Deferred: Connection timed out with mx.example.com.", networkerror, false},
    {"Message could not be delivered for 5 days", expired, false},
    {"554 5.3.0 unknown mailer error 1", mailererror, false},
    {"550 5.1.1 unknown or illegal alias: someone@example.com", userunknown, true},
    {"553 5.0.0 <someone@example.com>... Mail loops back to me (MX problem?)", networkerror, false},
    {"550 5.7.1 Command rejected", securityerror, false},
    {"451 4.3.0 Mail server temporarily rejected message.", systemerror, false},
};

constexpr reply_case european_and_other[] = {
    {"550 Requested action not taken: mailbox unavailable", userunknown, true},
    {"554-gmx.net (mxgmx116) Nemesis ESMTP Service not available\r\n554-No SMTP service\r\n554 "
     "invalid DNS PTR resource record, IP=192.0.2.1",
     requireptr, false},
    {"554-gmx.net (mxgmx015) Nemesis ESMTP Service not available 554-No SMTP service 554-Bad "
     "DNS PTR resource record.",
     requireptr, false},
    {"552 Requested mail action aborted: exceeded storage allocation", mailboxfull, false},
    {"554-Transaction failed\r\n554-Reject due to policy restrictions.\r\n554 For explanation "
     "visit https://postmaster.gmx.net/en/case?c=hi&i=ip&v=192.0.2.1",
     policyviolation, false},
    {"421-gmx.net (mxgmx015) Nemesis ESMTP Service not available\r\n421-Service "
     "unavailable\r\n421-Reject due to policy restrictions.",
     policyviolation, false},
    {"550 5.1.1 Requested action not taken: mailbox unavailable", userunknown, true},
    {"550 Message was not accepted -- invalid mailbox. Local mailbox someone@mail.ru is "
     "unavailable: user not found",
     userunknown, true},
    {"550 spam message rejected. Please visit http://help.mail.ru/notspam-support/id?c=abc or "
     "report details to abuse@corp.mail.ru. Error code: 1234",
     spamdetected, false},
    {"550 Message was not accepted -- invalid mailbox. Local mailbox someone@mail.ru is "
     "unavailable: account is disabled",
     suspend, false},
    {"452 4.2.2 Mailbox size limit exceeded", mailboxfull, false},
    {"550 5.7.1 No such user!", userunknown, true},
    {"552 5.2.2 Mailbox size limit exceeded", mailboxfull, false},
    {"554 5.7.1 [2] Message rejected under suspicion of SPAM; https://ya.cc/1IrBc "
     "1234567890-abcdef",
     spamdetected, false},
    {"451 4.7.1 Sorry, the service is currently unavailable. Please come back later.", blocked,
     false},
    {"550 5.7.1 Sender is blacklisted", blocked, false},
    {"550 5.1.1 <someone@comcast.net> recipient does not exist here.", userunknown, true},
    {"554 192.0.2.1 found on one or more DNSBLs, see "
     "http://postmaster.comcast.net/smtp-error-codes.php#BL000001",
     blocked, false},
    {"552 5.2.2 <someone@comcast.net> mailbox is full", mailboxfull, false},
    {"550 5.2.1 <someone@free.fr>: Recipient address rejected: Mailbox disabled for this "
     "recipient",
     suspend, false},
    {"550 5.1.1 <someone@orange.fr>: Recipient address rejected: User unknown", userunknown, true},
    {"550 Invalid Recipient - https://community.mimecast.com/docs/DOC-1369#550", userunknown, true},
    {"550 Rejected by header based Anti-Spoofing policy: someone@example.com - "
     "https://community.mimecast.com/docs/DOC-1369#550",
     policyviolation, false},
    {"451 Internal resource temporarily unavailable - "
     "https://community.mimecast.com/docs/DOC-1369#451",
     systemerror, false},
    // Mimecast's 554 is its anti-virus signature or a spam score over its threshold.
    {"554 Email rejected due to security policies - "
     "https://community.mimecast.com/docs/DOC-1369#554",
     virusdetected, false},
    {"550 5.7.1 Message blocked due to spam content in the message.", spamdetected, false},
    {"554 5.7.0 Blocked - see https://ipcheck.proofpoint.com/?ip=192.0.2.1", blocked, false},
    {"554 Service unavailable; Client host [192.0.2.1] blocked using Barracuda Reputation; "
     "http://www.barracudanetworks.com/reputation/?r=1&ip=192.0.2.1",
     blocked, false},
    {"550 permanent failure for one or more recipients (someone@example.com:blocked)", blocked,
     false},
    {"554 5.7.0 Reject, id=12345-01 - SPAM", spamdetected, false},
    {"554 5.7.0 Reject, id=12345-02 - INFECTED: Eicar-Test-Signature", virusdetected, false},
    {"554 5.7.1 The message was rejected because it contains prohibited virus or spam content",
     virusdetected, false},
    {"550 5.7.1 Your message was rejected by this user and was not delivered.", securityerror,
     false},
    {"550 5.7.1 Message rejected by the recipient's content filter", filtered, false},
    {"Amazon SES has suppressed sending to this address because it has a recent history of "
     "bouncing as an invalid address.",
     suppressed, false},
    {"554 5.7.1 Your mail could not be delivered because the recipient is only accepting mail "
     "from specific email addresses.",
     securityerror, false},
    {"550 5.1.1 <someone@web.de>: Recipient address rejected: User unknown in local recipient "
     "table",
     userunknown, true},
    {"550 5.1.1 Mailbox does not exist", userunknown, true},
    {"550 5.1.1 User Unknown; rejecting", userunknown, true},
    {"550 #5.1.0 Address rejected someone@example.com", userunknown, true},
    {"550 5.1.1 Recipient unknown <someone@example.com>", userunknown, true},
    {"554 5.7.1 Rejected, your IP is on a blacklist", blocked, false},
    {"421 4.7.0 Too many concurrent SMTP connections from this IP address; please try again "
     "later.",
     toomanyconn, false},
    {"421 Too many concurrent SMTP connections; please try again later.", toomanyconn, false},
    {"450 4.7.1 Error: too much mail from 192.0.2.1", speeding, false},
    {"421 4.7.0 Rate limit exceeded, please try again later", speeding, false},
    {"550 5.7.1 Email rejected because 192.0.2.1 is listed by sbl.spamhaus.org", blocked, false},
    {"554 5.7.1 The message from (<bounce@sender.example>) with the subject of (Hello) matches "
     "a profile the Internet community may consider spam. Please revise your message before "
     "resending.",
     spamdetected, false},
};

// Lines that real bounce mails quote (the MTAs' own texts and the receivers' replies in them).
constexpr reply_case bounce_mail_texts[] = {
    {"User some.name (someone@example.com) not listed in Domino Directory", userunknown, true},
    {"User not listed in public Name & Address Book", userunknown, true},
    {"Invalid final delivery userid: someone@example.com", userunknown, true},
    {"User mailbox exceeds allowed size: someone@example.com", mailboxfull, false},
    {"Could not deliver for the last 432000 seconds. Giving up.", expired, false},
    {"Deferred: 421 Warning: message still undelivered after 4 hours", expired, false},
    {"Your message was not delivered within 0 days and 1 hours.", expired, false},
    {"550 5.7.0 <someone@example.com>: Recipient address rejected: No relaying.", norelaying,
     false},
    {"550 5.7.1 Message content rejected, UBE, id=22220-02-222", spamdetected, false},
    {"500 5.6.1 Message content rejected", spamdetected, false},
    {"DNS lookup failure: host mx.example.org not found", hostunknown, true},
    {"an MX or SRV record indicated no SMTP service", notaccept, false},
    {"No MX found for domain", notaccept, false},
    {"550 5.7.1 <someone@example.com>: Recipient address rejected: User someone@example.com "
     "temporary locked. Please try again later!",
     suspend, false},
    {"550-Please turn on SMTP Authentication in your mail client.", securityerror, false},
    {"550-5.7.1 This message does not have authentication information or fails to pass "
     "authentication checks.",
     authfailure, false},
    {"delivery temporarily suspended: host mx.example.net[192.0.2.232] refused to talk to me: "
     "421 Service not available, closing transmission channel",
     blocked, false},
    {"550 Connection frequency limited. http://service.mail.qq.com/cgi-bin/help?subtype=1",
     toomanyconn, false},
    {"550 5.7.1 can't determine Purported Responsible Address", rejected, false},
    {"554 Message rejected: Email address is not verified. The following identities failed the "
     "check in region US-EAST-1: sender@example.com",
     norelaying, false},
    {"550 Unauthenticated senders not allowed", securityerror, false},
    {"554 Transaction failed: Duplicate header 'DKIM-Signature'.", notcompliantrfc, false},
    {"554 Service currently unavailable", systemerror, false},
    {"550-REJECTED - Blacklisted URL in message. (example.com) in [black]. 550-See "
     "http://lookup.uribl.com.",
     spamdetected, false},
    {"all hosts have been failing for a long time and were last tried after this message "
     "arrived",
     expired, false},
    {"Delevery to the following recipients was aborted after 5.0 hour(s)", expired, false},
    {"500 Remote server does not support TLS", failedstarttls, false},
    {"550 5.2.0 Mail rejete. Mail rejected. OFR_506 [506]", spamdetected, false},
    {"550 5.5.0 Le compte du destinataire est bloque. The recipient account is blocked. "
     "LPN007_426",
     suspend, false},
    {"550 5.5.0 Adresse destinataire invalide. Invalid recipient. LPN007_416", userunknown, true},
    {"421 4.2.0 Service refuse. Veuillez essayer plus tard. Service refused, please try later. "
     "OFR005_505 [505]",
     systemerror, false},
    {"Name service error for domain example.com: Host not found, try again", networkerror, false},
    {"554 INVALID IP FOR SENDING MAIL OF DOMAIN example.com", blocked, false},
    {"Delivery failed 20 attempts: someone@example.com", expired, false},
    {"451 4.3.0 Error: queue file write error", systemerror, false},
    {"Network error on destination MXs", networkerror, false},
    {"pipe to |/usr/local/bin/filter someone@example.com", mailererror, false},
    {"procmail: Lock failure on \"/var/mail/someone.lock\"", mailererror, false},
};

constexpr reply_case protocol_and_standard[] = {
    {"556 5.1.10 Recipient address has null MX", notaccept, true},
    {"550 5.7.27 Sender address has null MX", notaccept, true},
    {"521 5.3.2 mx.example.com does not accept mail", notaccept, true},
    {"421 4.3.2 Service shutting down", notaccept, false},
    {"530 5.7.0 Must issue a STARTTLS command first", failedstarttls, false},
    {"454 4.7.0 TLS not available due to local problem", failedstarttls, false},
    {"535 5.7.8 Authentication credentials invalid", securityerror, false},
    {"530 5.7.0 Authentication required", securityerror, false},
    {"500 5.5.1 Command unrecognized: \"XYZZY\"", syntaxerror, false},
    {"503 5.5.1 Bad sequence of commands", syntaxerror, false},
    {"501 5.5.4 Syntax error in parameters or arguments", syntaxerror, false},
    {"552 5.2.3 Message length exceeds administrative limit", exceedlimit, false},
    {"550 5.2.4 Mailing list expansion problem", filtered, false},
    {"550 5.1.6 Recipient mailbox has moved", hasmoved, true},
    {"551 5.1.6 User not local; please try <forward@example.org>", hasmoved, true},
    {"550 5.7.13 User account disabled", suspend, false},
    {"553 5.1.3 Bad recipient address syntax", userunknown, true},
    {"451 4.4.0 DNS temporary failure", networkerror, false},
    {"421 4.4.5 Server busy, try again later", systemfull, false},
    {"550 5.7.23 SPF validation failed", authfailure, false},
    {"550 5.7.25 Reverse DNS validation failed", requireptr, false},
    {"550 5.7.20 No passing DKIM signature found", authfailure, false},
    {"554 5.6.3 Conversion required but not supported", contenterror, false},
    {"554 5.3.4 Message too big for system", mesgtoobig, false},
    {"552 5.3.4 Error: message file too big", mesgtoobig, false},
    {"550 5.1.2 Bad destination system address", hostunknown, true},
    {"451 4.4.1 No answer from host", networkerror, false},
    {"450 4.2.1 Mailbox disabled, not accepting messages", suspend, false},
    {"550 5.2.1 Mailbox disabled, not accepting messages", suspend, false},
    {"550 5.5.0 Requested action not taken: mailbox unavailable", userunknown, true},
    {"554 5.0.0 Service unavailable", onhold, false},
    {"554 Transaction failed", onhold, false},
    {"452 4.3.1 Mail system full", systemfull, false},
    {"451 4.3.0 Local error in processing", systemerror, false},
    {"550 5.7.1 Delivery not authorized, message refused", securityerror, false},
    {"550 5.4.4 Unable to route", hostunknown, true},
    {"451 4.4.3 Directory server failure", systemerror, false},
    {"250 2.0.0 Ok: queued as 4F2B71C0A2", delivered, false},
    {"250 2.1.5 Ok", delivered, false},
    {"", undefined, false},
};

void check_table(std::span<const reply_case> table, const char* source)
{
    for (const auto& c : table) {
        const smtp_report report{reply_code_of(c.line), {}, c.line};
        const auto got = classify(report);
        EXPECT_EQ(to_string(got.why), to_string(c.expected)) << source << ": " << c.line;
        EXPECT_EQ(got.hard, c.hard) << source << ": " << c.line;
    }
}

TEST(ReplyClassifier, ClassifiesGmailReplies)
{
    check_table(gmail, "Gmail");
}

TEST(ReplyClassifier, ClassifiesMicrosoftReplies)
{
    check_table(microsoft, "Outlook/Office 365/Exchange");
}

TEST(ReplyClassifier, ClassifiesYahooAndAolReplies)
{
    check_table(yahoo_aol, "Yahoo/AOL");
}

TEST(ReplyClassifier, ClassifiesAppleReplies)
{
    check_table(apple, "iCloud");
}

TEST(ReplyClassifier, ClassifiesPostfixReplies)
{
    check_table(postfix, "Postfix");
}

TEST(ReplyClassifier, ClassifiesEximQmailAndSendmailReplies)
{
    check_table(exim_qmail_sendmail, "Exim/qmail/Sendmail");
}

TEST(ReplyClassifier, ClassifiesOtherReceiversAndFilters)
{
    check_table(european_and_other, "GMX/Mail.ru/Yandex/Comcast/filters");
}

TEST(ReplyClassifier, ClassifiesStandardReplies)
{
    check_table(protocol_and_standard, "RFC texts");
}

TEST(ReplyClassifier, ClassifiesTheTextsOfBounceMail)
{
    check_table(bounce_mail_texts, "bounce mail");
}

TEST(ReplyClassifier, TheTablesHoldAtLeast150ReplyLines)
{
    const std::size_t n = std::size(gmail) + std::size(microsoft) + std::size(yahoo_aol) +
                          std::size(apple) + std::size(postfix) + std::size(exim_qmail_sendmail) +
                          std::size(european_and_other) + std::size(protocol_and_standard) +
                          std::size(bounce_mail_texts);
    EXPECT_GE(n, 150u);
}

// The case the issue names: the receiver blaming the sender is not the recipient being bad.
TEST(ReplyClassifier, APoorReputationRefusalAtRcptIsSoftAndBlamesTheSender)
{
    const auto c = classify({550, "5.7.1", "message rejected due to poor reputation"});
    EXPECT_EQ(c.why, badreputation);
    EXPECT_TRUE(c.permanent);
    EXPECT_FALSE(c.hard);
    EXPECT_TRUE(refuses_sender(c.why));
}

TEST(ReplyClassifier, AGivenStatusIsUsedBeforeOneInTheText)
{
    EXPECT_EQ(classify({550, "5.1.1", "refused"}).why, userunknown);
    EXPECT_EQ(classify({0, "5.2.2", ""}).why, mailboxfull);
    EXPECT_TRUE(classify({0, "5.1.1", ""}).permanent);
    EXPECT_FALSE(classify({0, "4.2.2", ""}).permanent);
}

TEST(ReplyClassifier, ASpecificStatusOutweighsGenericWording)
{
    // "Access denied" alone is a block; with 5.1.8 it names the sender's address.
    EXPECT_EQ(classify({550, "", "550 5.1.8 Access denied"}).why, rejected);
    EXPECT_EQ(classify({550, "", "550 5.7.1 Access denied"}).why, blocked);
}

TEST(ReplyClassifier, NotAcceptIsHardOnlyWhenPermanent)
{
    EXPECT_TRUE(classify({556, "", "556 5.1.10 null MX"}).hard);
    EXPECT_FALSE(classify({421, "", "421 4.3.2 does not accept mail"}).hard);
}

TEST(ReplyClassifier, LongAndHostileTextIsBounded)
{
    std::string text(1 << 20, 'x');
    text += " user unknown";
    EXPECT_EQ(classify({550, "", text}).why, onhold); // past the bound: not read
    std::string binary(5000, '\0');
    binary[10] = '\xff';
    EXPECT_EQ(classify({550, "", binary}).why, onhold);
    EXPECT_EQ(classify({0, "", "*"}).why, onhold);
}

TEST(ReplyCode, IsReadFromTheStartOfADiagnostic)
{
    EXPECT_EQ(reply_code_of("550 5.1.1 user unknown"), 550);
    EXPECT_EQ(reply_code_of("smtp;550 5.1.1 user unknown"), 550);
    EXPECT_EQ(reply_code_of("452-4.2.2 over quota"), 452);
    EXPECT_EQ(reply_code_of("550"), 550);
    EXPECT_EQ(reply_code_of("5501 no"), 0);
    EXPECT_EQ(reply_code_of("Hard bounce detected"), 0);
    EXPECT_EQ(reply_code_of("650 no such class"), 0);
    EXPECT_EQ(reply_code_of(""), 0);
}

TEST(FindStatus, FindsAStatusStandingOnItsOwn)
{
    EXPECT_EQ(find_status("550-5.1.1 The email account"), "5.1.1");
    EXPECT_EQ(find_status("Sorry, no mailbox here by that name. (#5.1.1)"), "5.1.1");
    EXPECT_EQ(find_status("556 5.1.10 Recipient address has null MX"), "5.1.10");
    EXPECT_EQ(find_status("#550 5.7.606 Access denied"), "5.7.606");
}

TEST(FindStatus, IgnoresAddressesAndVersions)
{
    EXPECT_EQ(find_status("from 192.0.2.1 deferred"), "");
    EXPECT_EQ(find_status("deferred - 4.16.55.1; see"), "");
    EXPECT_EQ(find_status("host 10.5.1.1 said"), "");
    EXPECT_EQ(find_status("version 5.1.1.2"), "");
    EXPECT_EQ(find_status("code 5.8.1 is not a subject"), "");
    EXPECT_EQ(find_status("5.1."), "");
    EXPECT_EQ(find_status(""), "");
}

TEST(Reason, EveryNameRoundTrips)
{
    for (std::size_t i = 0; i < reason_count; ++i) {
        const auto r = static_cast<reason>(i);
        EXPECT_EQ(parse_reason(to_string(r)), r) << to_string(r);
    }
    EXPECT_EQ(parse_reason("nosuchreason"), std::nullopt);
    EXPECT_EQ(to_string(reason::delivered), "delivered");
    EXPECT_EQ(to_string(reason::userunknown), "userunknown");
}

TEST(Reason, OnlyTheAddressReasonsAreHard)
{
    for (std::size_t i = 0; i < reason_count; ++i) {
        const auto r = static_cast<reason>(i);
        const bool address =
            r == userunknown || r == hostunknown || r == hasmoved || r == notaccept;
        EXPECT_EQ(is_hard(r, true), address) << to_string(r);
        EXPECT_EQ(is_hard(r, false), address && r != notaccept) << to_string(r);
    }
}

} // namespace
} // namespace mailgate::core::reasons
