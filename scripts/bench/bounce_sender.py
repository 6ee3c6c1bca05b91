#!/usr/bin/env python3
"""Sends DSNs to the bounce listener at a steady rate, each to a fresh signed return path
(attribution/return_path.cpp's scheme), and prints the rate reached and the latency of the 250
that answers each message's end of data: the time to classify, attribute and store it durably.

Usage: bounce_sender.py PORT KEY_BASE64 DOMAIN RATE SECONDS [CONNECTIONS]"""

import base64
import hashlib
import hmac
import os
import smtplib
import sys
import threading
import time


def return_path(key, domain):
    ms = int(time.time() * 1000) & 0xFFFFFFFFFFFF
    packed = ms.to_bytes(6, "big") + os.urandom(12)
    tag = hmac.new(key, b"return-path\0" + packed, hashlib.sha256).digest()[:10]
    token = base64.b32encode(packed + tag).decode().rstrip("=").lower()
    return f"b-{token}@{domain}"


def dsn(n):
    return (
        "From: MAILER-DAEMON@mx.example.org\r\n"
        f"Message-ID: <bench-{n}-{os.urandom(6).hex()}@mx.example.org>\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.org\r\n\r\n"
        f"Final-Recipient: rfc822; user{n}@example.net\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n\r\n--B--\r\n"
    )


def main():
    port, key, domain = int(sys.argv[1]), base64.b64decode(sys.argv[2]), sys.argv[3]
    rate, seconds = float(sys.argv[4]), float(sys.argv[5])
    connections = int(sys.argv[6]) if len(sys.argv) > 6 else 4
    latencies, errors, lock = [], [0], threading.Lock()
    start = time.monotonic()

    def worker(index):
        smtp = smtplib.SMTP("127.0.0.1", port, timeout=30)
        smtp.ehlo("bench.example")
        interval = connections / rate
        n = index
        next_at = start
        while time.monotonic() - start < seconds:
            next_at += interval
            sent = time.monotonic()
            try:
                smtp.sendmail("", [return_path(key, domain)], dsn(n))
                with lock:
                    latencies.append(time.monotonic() - sent)
            except smtplib.SMTPException:
                with lock:
                    errors[0] += 1
            n += connections
            time.sleep(max(0.0, next_at - time.monotonic()))
        smtp.quit()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000
    print(
        f"RESULT sent={len(latencies)} rate={len(latencies) / elapsed:.1f} "
        f"p50_ms={pick(0.5):.1f} p99_ms={pick(0.99):.1f} errors={errors[0]}"
    )


if __name__ == "__main__":
    main()
