#!/usr/bin/env python3
"""Interop of the bounce SMTP listener with an independent client: Python's smtplib.

usage: smtp_listener_interop.py LISTENER_BINARY

Starts the listener process (tests/unit/core/smtp_server/bounce_listener_main.cpp) with STARTTLS
and a 64 KiB size limit, then with smtplib: a DSN with the null sender over STARTTLS (dot lines,
8-bit UTF-8 text, CRLF), a recipient refused at RCPT, a message over the size limit (smtplib
sends SIZE= since the listener announces it), and a plain session without TLS. Checks what the
listener wrote with the email package: the message as sent, below the trace header it adds.
"""

import email
import email.policy
import os
import pathlib
import signal
import smtplib
import ssl
import subprocess
import sys
import tempfile
import time

BOUNCE_RCPT = "b-m1AAAA.token@bounce.example"

DSN = (
    "From: Mail Delivery System <MAILER-DAEMON@mx.remote.example>\r\n"
    "To: " + BOUNCE_RCPT + "\r\n"
    "Subject: Undelivered Mail Returned to Sender\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b1\"\r\n"
    "\r\n"
    "--b1\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: 8bit\r\n"
    "\r\n"
    "Grüße: your message could not be delivered.\r\n"
    ".\r\n"
    "..two dots\r\n"
    ". a dot and a space\r\n"
    "--b1\r\n"
    "Content-Type: message/delivery-status\r\n"
    "\r\n"
    "Reporting-MTA: dns; mx.remote.example\r\n"
    "\r\n"
    "Final-Recipient: rfc822; someone@remote.example\r\n"
    "Action: failed\r\n"
    "Status: 5.1.1\r\n"
    "--b1--\r\n"
)


def fail(message):
    print("FAILED: " + message)
    sys.exit(1)


def start_listener(binary, work):
    port_file = work / "port"
    out = work / "messages"
    out.mkdir()
    process = subprocess.Popen([binary, str(out), str(port_file), "--tls", "--max-size", "65536"])
    deadline = time.monotonic() + 10
    while not port_file.exists():
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            fail("the listener did not start")
        time.sleep(0.05)
    return process, int(port_file.read_text()), out


def unverified_context():
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def bounce_over_starttls(port):
    with smtplib.SMTP("127.0.0.1", port, local_hostname="mx.remote.example", timeout=10) as s:
        s.ehlo()
        for ext in ("pipelining", "size", "8bitmime", "smtputf8", "enhancedstatuscodes",
                    "starttls"):
            if not s.has_extn(ext):
                fail("EHLO does not announce " + ext)
        if s.esmtp_features["size"] != "65536":
            fail("SIZE is " + s.esmtp_features["size"])
        s.starttls(context=unverified_context())
        s.ehlo()
        if s.has_extn("starttls"):
            fail("STARTTLS offered again inside TLS")
        refused = s.sendmail("", [BOUNCE_RCPT], DSN.encode("utf-8"), mail_options=["BODY=8BITMIME"])
        if refused:
            fail("refused: %r" % refused)


def refused_recipient(port):
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as s:
        try:
            s.sendmail("", ["victim@example.com"], b"Subject: x\r\n\r\nrelay me\r\n")
        except smtplib.SMTPRecipientsRefused as e:
            code, text = e.recipients["victim@example.com"]
            if code != 550 or not text.startswith(b"5.1.1"):
                fail("refused with %d %r" % (code, text))
        else:
            fail("a recipient other than a bounce address was taken")


def too_large(port):
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as s:
        try:
            s.sendmail("", [BOUNCE_RCPT], b"Subject: big\r\n\r\n" + b"x" * 70000 + b"\r\n")
        except smtplib.SMTPSenderRefused as e:
            if e.smtp_code != 552:
                fail("too large: %d" % e.smtp_code)
        else:
            fail("a message over the size limit was taken")


def plain_session(port):
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as s:
        s.helo("old.remote.example")
        code, _ = s.noop()
        if code != 250:
            fail("NOOP: %d" % code)
        s.sendmail("", [BOUNCE_RCPT], b"Subject: plain\r\n\r\nover HELO\r\n")
        code, text = s.verify("postmaster")
        if code != 252:
            fail("VRFY: %d %r" % (code, text))


def check_received(out):
    messages = sorted(out.glob("*.eml"), key=lambda p: int(p.stem))
    if len(messages) != 2:
        fail("%d messages written, expected 2" % len(messages))
    for m in messages:
        if m.with_suffix(".rcpt").read_text() != BOUNCE_RCPT:
            fail("recipient of %s: %s" % (m.name, m.with_suffix(".rcpt").read_text()))
    first = messages[0].read_bytes()
    head, sep, rest = first.partition(b"\r\n\tby listener.test (mailgate) with ESMTPS;\r\n")
    if not head.startswith(b"Return-Path: <>\r\nReceived: from mx.remote.example") or not sep:
        fail("trace header: %r" % first[:200])
    if not rest.split(b"\r\n", 1)[1] == DSN.encode("utf-8"):
        fail("the DSN changed on the way: %r" % rest[:400])
    parsed = email.message_from_bytes(first, policy=email.policy.default)
    if parsed.get_content_type() != "multipart/report" or parsed["Return-Path"] != "<>":
        fail("parsed as %s" % parsed.get_content_type())
    text = parsed.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")
    if "Grüße" not in text or "\n.\n..two dots\n" not in text:
        fail("text part: %r" % text)
    second = email.message_from_bytes(messages[1].read_bytes(), policy=email.policy.default)
    if second["Subject"] != "plain" or "with ESMTP;" not in second["Received"] + ";":
        fail("second message: %r" % messages[1].read_bytes()[:300])


def main(argv):
    if len(argv) != 2:
        print(__doc__)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        process, port, out = start_listener(argv[1], pathlib.Path(tmp))
        try:
            bounce_over_starttls(port)
            refused_recipient(port)
            too_large(port)
            plain_session(port)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                fail("the listener did not stop on SIGTERM")
        if process.returncode != 0:
            fail("the listener exited with %d" % process.returncode)
        check_received(out)
    print("ok: interop.smtp_listener (smtplib %s)" % sys.version.split()[0])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
