#!/usr/bin/env python3
"""Checks the messages Postfix's smtp-sink dumped (-d) against what was posted to mailgate.

Usage: check_sink_messages.py DUMP_DIR EXPECTED.json
EXPECTED.json: {"from": {"name", "address"}: the provider's default sender,
                "requests": [the bodies of POST /v1/messages, as posted]}.
Every recipient of every request must have arrived exactly once, as posted; each problem is one
line on stdout, and the exit status is 1 if there is any.
"""

import base64
import email
import email.header
import email.policy
import email.utils
import json
import os
import re
import sys
from datetime import datetime, timezone

MAX_LINE_OCTETS = 998  # RFC 5322 2.1.1, without the CRLF
MAX_CLOCK_SKEW_S = 300
SINGLE_HEADERS = ("Date", "From", "To", "Subject", "Message-ID", "MIME-Version", "X-Mailgate-Meta")
MESSAGE_ID = re.compile(r"^<[^\s<>@]+@[^\s<>@]+>$")
META_TOKEN = re.compile(r"^[A-Za-z0-9._~-]+$")


def mailbox(value, default=None):
    """(display name, address) of a posted "from" / "to" entry: a string or {"name","address"}."""
    if value is None:
        value = default
    if isinstance(value, str):
        return "", value
    return value.get("name", ""), value["address"]


def on_the_wire(address):
    """The address as it must travel without SMTPUTF8: the domain in IDNA A-labels."""
    local, _, domain = address.rpartition("@")
    return local + "@" + domain.encode("idna").decode("ascii").lower()


def same_address(got, want):
    g_local, _, g_domain = got.rpartition("@")
    w_local, _, w_domain = on_the_wire(want).rpartition("@")
    return g_local == w_local and g_domain.lower() == w_domain


def first_word(value):
    return str(value).split()[0] if str(value).split() else ""


def normalised(text):
    return text.replace("\r\n", "\n").rstrip("\n")


def first_difference(got, want, unit="character"):
    i = next((k for k, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
    return (f"differs from the posted one at {unit} {i} (lengths {len(got)}, {len(want)} "
            f"posted): got {got[i:i + 40]!r}, posted {want[i:i + 40]!r}")


class MessageCheck:
    """The checks on one dumped message; problems collect in self.problems."""

    def __init__(self, label, path, raw, request, recipient, default_from):
        self.label = label
        self.path = path
        self.raw = raw
        self.msg = email.message_from_bytes(raw, policy=email.policy.default)
        self.request = request
        self.recipient = recipient
        self.default_from = default_from
        self.problems = []

    def problem(self, text):
        self.problems.append(f"{self.label} -> {self.recipient[1]} ({self.path}): {text}")

    def run(self):
        self.check_lines()
        self.check_defects()
        self.check_envelope()
        self.check_headers()
        self.check_body()
        return self.problems

    def check_lines(self):
        for number, line in enumerate(self.raw.split(b"\n"), 1):
            if len(line.rstrip(b"\r")) > MAX_LINE_OCTETS:
                self.problem(f"line {number} is {len(line)} octets, over {MAX_LINE_OCTETS}")
        head, _, body = self.raw.partition(b"\n\n")
        mail_args = str(self.msg.get("X-Mail-Args", "")).upper()
        if not head.isascii() and "SMTPUTF8" not in mail_args:
            self.problem("raw 8-bit bytes in the header without SMTPUTF8 (RFC 6532)")
        if not body.isascii() and "BODY=8BITMIME" not in mail_args:
            self.problem("8-bit body sent without BODY=8BITMIME (RFC 6152)")

    def check_defects(self):
        for part in self.msg.walk():
            for defect in part.defects:
                self.problem(f"{part.get_content_type()} part: {defect.__class__.__name__}")
            for name, value in part.items():
                for defect in getattr(value, "defects", ()):
                    self.problem(f"header {name}: {defect.__class__.__name__}: {defect}")

    def check_envelope(self):
        rcpts = self.msg.get_all("X-Rcpt-Args", [])
        want_from = mailbox(self.request.get("from"), self.default_from)[1]
        mail_from = first_word(self.msg.get("X-Mail-Args", "")).strip("<>")
        if not same_address(mail_from, want_from):
            self.problem(f"MAIL FROM <{mail_from}>, expected <{on_the_wire(want_from)}>")
        if len(rcpts) != 1:
            self.problem(f"{len(rcpts)} RCPT TO commands, expected 1")

    def check_headers(self):
        for name in SINGLE_HEADERS:
            count = len(self.msg.get_all(name, []))
            if count != 1:
                self.problem(f"{count} {name} header(s), expected 1")
        self.check_mailbox("From", mailbox(self.request.get("from"), self.default_from))
        self.check_mailbox("To", self.recipient)
        subject = str(self.msg.get("Subject", ""))
        if subject != self.request["subject"]:
            self.problem(f"Subject {subject!r}, posted {self.request['subject']!r}")
        message_id = str(self.msg.get("Message-ID", "")).strip()
        if not MESSAGE_ID.match(message_id):
            self.problem(f"Message-ID {message_id!r} is not <left@right>")
        self.check_date()
        meta = str(self.msg.get("X-Mailgate-Meta", "")).strip()
        if not META_TOKEN.match(meta):
            self.problem(f"X-Mailgate-Meta {meta!r} is not a token")
        for name, value in self.request.get("headers", {}).items():
            got = [str(v) for v in self.msg.get_all(name, [])]
            if got != [value]:
                self.problem(f"header {name}: {got!r}, posted [{value!r}]")

    def check_mailbox(self, header, want):
        value = self.msg.get(header)
        addresses = getattr(value, "addresses", ())
        if len(addresses) != 1:
            self.problem(f"{header} {str(value)!r} has {len(addresses)} address(es), expected 1")
            return
        name = self.display_name(header)
        if name != want[0]:
            self.problem(f"{header} display name {name!r}, posted {want[0]!r}")
        if not same_address(addresses[0].addr_spec, want[1]):
            self.problem(f"{header} address {addresses[0].addr_spec!r}, expected "
                         f"{on_the_wire(want[1])!r}")

    def display_name(self, header):
        # policy.default's address parser joins adjacent encoded-words in a phrase with a space,
        # against RFC 2047 6.2 (Python 3.11), so a name folded inside a word would come out
        # split; the older decoder follows the RFC. Misplaced encoded-words still show up as
        # the new parser's defects.
        raw = next(value for name, value in self.msg.raw_items() if name.lower() == header.lower())
        name, _ = email.utils.parseaddr(re.sub(r"\r?\n(?=[ \t])", "", raw))
        return str(email.header.make_header(email.header.decode_header(name)))

    def check_date(self):
        value = self.msg.get("Date")
        when = getattr(value, "datetime", None)
        if when is None or when.tzinfo is None:
            self.problem(f"Date {str(value)!r} is not an RFC 5322 date with a zone")
            return
        received = datetime.fromtimestamp(os.path.getmtime(self.path), timezone.utc)
        if abs((when - received).total_seconds()) > MAX_CLOCK_SKEW_S:
            self.problem(f"Date {str(value)!r} is far from the arrival time {received}")

    def check_body(self):
        text, html = self.request.get("text", ""), self.request.get("html", "")
        attachments = self.request.get("attachments", [])
        body = self.msg
        if attachments:
            if not self.expect_type(self.msg, "multipart/mixed", "the message"):
                return
            parts = list(self.msg.iter_parts())
            body = parts[0]
            self.check_attachments(parts[1:], attachments)
        if text and html:
            if not self.expect_type(body, "multipart/alternative", "the body"):
                return
            kinds = [p.get_content_type() for p in body.iter_parts()]
            if kinds != ["text/plain", "text/html"]:
                self.problem(f"multipart/alternative holds {kinds}, expected text/plain, text/html")
                return
            plain, rich = body.iter_parts()
            self.check_text(plain, text, "text")
            self.check_text(rich, html, "HTML")
        elif self.expect_type(body, "text/plain" if text else "text/html", "the body"):
            self.check_text(body, text or html, "text" if text else "HTML")

    def expect_type(self, part, content_type, what):
        if part.get_content_type() != content_type:
            self.problem(f"{what} is {part.get_content_type()}, expected {content_type}")
            return False
        return True

    def check_text(self, part, posted, what):
        try:
            got = normalised(part.get_content())
        except (LookupError, ValueError) as e:
            self.problem(f"the {what} part does not decode: {e}")
            return
        if got != normalised(posted):
            self.problem(f"the {what} part {first_difference(got, normalised(posted))}")

    def check_attachments(self, parts, attachments):
        if len(parts) != len(attachments):
            self.problem(f"{len(parts)} attachment part(s), posted {len(attachments)}")
            return
        for part, posted in zip(parts, attachments):
            name = posted["filename"]
            if part.get_filename() != name:
                self.problem(f"attachment filename {part.get_filename()!r}, posted {name!r}")
            if part.get_content_disposition() != "attachment":
                self.problem(f"{name}: disposition {part.get_content_disposition()!r}")
            if part.get_content_type() != posted["content_type"]:
                self.problem(f"{name}: type {part.get_content_type()}, posted "
                             f"{posted['content_type']}")
            got = part.get_payload(decode=True) or b""
            want = base64.b64decode(posted["content"])
            if got != want:
                self.problem(f"{name}: the content {first_difference(got, want, 'byte')}")


def expected_messages(expected):
    """{envelope recipient: (label, request, (name, address))} for every posted recipient."""
    out = {}
    for number, request in enumerate(expected["requests"], 1):
        label = request.get("headers", {}).get("X-Interop-Case", f"request {number}")
        for entry in request["to"]:
            recipient = mailbox(entry)
            out[on_the_wire(recipient[1])] = (label, request, recipient)
    return out


def envelope_recipient(raw):
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    rcpts = msg.get_all("X-Rcpt-Args", [])
    address = first_word(rcpts[0]).strip("<>") if rcpts else ""
    local, _, domain = address.rpartition("@")
    return local + "@" + domain.lower()


def check(dump_dir, expected):
    problems = []
    wanted = expected_messages(expected)
    arrivals = {recipient: 0 for recipient in wanted}
    files = sorted(os.listdir(dump_dir)) if os.path.isdir(dump_dir) else []
    for name in files:
        path = os.path.join(dump_dir, name)
        with open(path, "rb") as f:
            raw = f.read()
        recipient = envelope_recipient(raw)
        if recipient not in wanted:
            problems.append(f"{path}: a message for <{recipient}>, which nobody posted")
            continue
        arrivals[recipient] += 1
        label, request, posted = wanted[recipient]
        problems += MessageCheck(label, path, raw, request, posted, expected["from"]).run()
    for recipient, count in arrivals.items():
        if count != 1:
            problems.append(f"{wanted[recipient][0]} -> <{recipient}>: arrived {count} times, "
                            "expected once")
    return len(files), problems


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[2], encoding="utf-8") as f:
        expected = json.load(f)
    count, problems = check(argv[1], expected)
    for line in problems:
        print(line)
    print(f"{count} message(s) checked, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
