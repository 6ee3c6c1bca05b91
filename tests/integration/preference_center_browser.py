#!/usr/bin/env python3
"""The system preference center in a real browser.

The real gateway sends a message through a provider whose preference_center is `system` to a
small SMTP sink in this script; headless Chromium (driven over the W3C WebDriver protocol by
chromedriver, standard library only, JavaScript switched off) opens the message's
List-Unsubscribe link, confirms, sees the result, resubscribes; the admin API shows the
suppression appear and go. A screenshot of each state is saved under ARTIFACT_DIR.

Usage: preference_center_browser.py MAILGATE_BINARY PLUGIN_DIR ARTIFACT_DIR  (exit 77: skipped)
"""

import base64
import email
import email.policy
import json
import os
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

ADMIN_TOKEN = "browser-admin-token-0123456789"
RECIPIENT = "Rosa.Ruiz@example.com"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--window-size=900,640",
]


class Failure(Exception):
    pass


def check(condition, what):
    if not condition:
        raise Failure(what)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, what, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise Failure("timed out waiting for " + what)


# --- a minimal SMTP sink: enough of RFC 5321 for the gateway's smtp driver -----------------

class SmtpSink(socketserver.StreamRequestHandler):
    messages = []

    def reply(self, line):
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        self.reply("220 sink.test ESMTP")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            verb = line.decode("ascii", "replace").strip().split(" ")[0].upper()
            if verb == "EHLO":
                self.reply("250-sink.test")
                self.reply("250 8BITMIME")
            elif verb == "DATA":
                self.reply("354 go ahead")
                data = b""
                while True:
                    chunk = self.rfile.readline()
                    if not chunk or chunk == b".\r\n":
                        break
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                SmtpSink.messages.append(data)
                self.reply("250 2.0.0 queued as q%d" % len(SmtpSink.messages))
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")


# --- the gateway ---------------------------------------------------------------------------

class Gateway:
    def __init__(self, binary, plugins, work, smtp_port):
        self.work = work
        config = os.path.join(work, "mailgate.yaml")
        with open(config, "w") as f:
            f.write(f"""server:
  listen: 127.0.0.1:0
  public_url: https://gateway.test
storage:
  path: {work}/mailgate.db
attribution:
  key: AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=
admin:
  token: {ADMIN_TOKEN}
plugins:
  directory: {plugins}
outbound:
  poll_interval: 50ms
providers:
  - nickname: news
    driver: smtp
    host: 127.0.0.1
    port: {smtp_port}
    scheme: smtp
    from_name: Shop
    from_address: news@shop.example
    preference_center: system
""")
        port_file = os.path.join(work, "port")
        self.log = open(os.path.join(work, "gateway.log"), "w")
        self.process = subprocess.Popen(
            [binary, "serve", "--config", config, "--port-file", port_file],
            stdout=self.log, stderr=subprocess.STDOUT)
        wait_until(lambda: os.path.exists(port_file) or self.process.poll() is not None,
                   "the gateway to listen")
        check(self.process.poll() is None, "the gateway exited at start-up")
        with open(port_file) as f:
            self.port = int(f.read())
        self.base = f"http://127.0.0.1:{self.port}"

    def admin(self, method, path, body=None):
        request = urllib.request.Request(
            self.base + path, method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": "Bearer " + ADMIN_TOKEN,
                     "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as reply:
                return reply.status, json.loads(reply.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")

    def suppression(self, address):
        status, body = self.admin("GET", "/v1/suppressions/" + address)
        return body["reason"] if status == 200 else None

    def stop(self):
        """The exit status (0 when it stopped cleanly; sanitizer reports make it non-zero)."""
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()
        finally:
            self.log.close()


# --- WebDriver -----------------------------------------------------------------------------

class Browser:
    ELEMENT = "element-6066-11e4-a52e-4f735466cecf"

    def __init__(self, work):
        self.port = free_port()
        self.log = open(os.path.join(work, "chromedriver.log"), "w")
        self.driver = subprocess.Popen(["chromedriver", f"--port={self.port}"],
                                       stdout=self.log, stderr=subprocess.STDOUT)
        self.base = f"http://127.0.0.1:{self.port}"
        wait_until(self.ready, "chromedriver")
        options = {
            "binary": shutil.which("chromium"),
            "args": CHROMIUM_FLAGS + ["--user-data-dir=" + os.path.join(work, "profile")],
            # The page must work without JavaScript: the browser runs none.
            "prefs": {"profile.managed_default_content_settings.javascript": 2},
        }
        session = self.call("POST", "/session", {"capabilities": {"alwaysMatch": {
            "browserName": "chrome", "goog:chromeOptions": options}}})
        self.session = "/session/" + session["sessionId"]

    def ready(self):
        try:
            return self.call("GET", "/status").get("ready")
        except OSError:
            return False

    def call(self, method, path, body=None):
        request = urllib.request.Request(
            self.base + path, method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as reply:
                return json.loads(reply.read())["value"]
        except urllib.error.HTTPError as e:
            raise Failure(f"WebDriver {method} {path}: {e.code} {e.read()[:500]!r}")

    def open(self, url):
        self.call("POST", self.session + "/url", {"url": url})

    def find(self, css):
        found = self.call("POST", self.session + "/element",
                          {"using": "css selector", "value": css})
        return found[self.ELEMENT]

    def text(self, css):
        return self.call("GET", f"{self.session}/element/{self.find(css)}/text")

    def click(self, css):
        self.call("POST", f"{self.session}/element/{self.find(css)}/click", {})

    def attribute(self, css, name):
        return self.call("GET", f"{self.session}/element/{self.find(css)}/attribute/{name}")

    def shows_heading(self, heading):
        """True once the page's h1 reads `heading`; a click's navigation may replace the page
        between finding the element and reading it, so a vanished element means "not yet"."""
        try:
            return self.text("h1") == heading
        except Failure:
            return False

    def screenshot(self, path):
        png = base64.b64decode(self.call("GET", self.session + "/screenshot"))
        check(png.startswith(b"\x89PNG"), "a PNG screenshot")
        with open(path, "wb") as f:
            f.write(png)
        print("screenshot:", path)

    def quit(self):
        try:
            self.call("DELETE", self.session)
        finally:
            self.driver.terminate()
            self.driver.wait(timeout=10)
            self.log.close()


# --- the test ------------------------------------------------------------------------------

def link_of_sent_message(gateway):
    status, body = gateway.admin("POST", "/v1/messages", {
        "provider": "news", "to": [RECIPIENT], "subject": "Spring offers",
        "campaign_id": "spring", "text": "Our spring offers."})
    check(status == 202, f"the message is accepted (got {status} {body})")
    wait_until(lambda: SmtpSink.messages, "the message at the SMTP sink")
    message = email.message_from_bytes(SmtpSink.messages[0], policy=email.policy.default)
    check(message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click",
          "the message carries List-Unsubscribe-Post")
    header = str(message["List-Unsubscribe"])
    prefix = "<https://gateway.test/u/"
    check(header.startswith(prefix) and header.endswith(">"),
          "List-Unsubscribe points at the gateway's /u/{token}: " + header)
    # The public URL names the gateway's public host; the browser reaches this instance.
    return gateway.base + header[len("<https://gateway.test"):-1]


def run(binary, plugins, artifacts, work):
    smtp = socketserver.ThreadingTCPServer(("127.0.0.1", 0), SmtpSink)
    smtp.daemon_threads = True
    threading.Thread(target=smtp.serve_forever, daemon=True).start()
    gateway = Gateway(binary, plugins, work, smtp.server_address[1])
    browser = None
    try:
        url = link_of_sent_message(gateway)
        address = RECIPIENT.lower()
        browser = Browser(work)

        browser.open(url)
        check(browser.text("h1") == "Unsubscribe", "the confirmation page")
        check(address in browser.text("main"), "the page names the address")
        check(browser.attribute("html", "lang") == "en", "the page declares its language")
        browser.screenshot(os.path.join(artifacts, "1-confirm.png"))
        check(gateway.suppression(address) is None, "opening the page changes nothing")

        browser.click("button[value=unsubscribe]")
        wait_until(lambda: browser.shows_heading("You are unsubscribed"), "the result page")
        check(address in browser.text("[role=status]"), "the result names the address")
        browser.screenshot(os.path.join(artifacts, "2-unsubscribed.png"))
        check(gateway.suppression(address) == "unsubscribed", "the address is suppressed")

        browser.click("button[value=resubscribe]")
        wait_until(lambda: browser.shows_heading("You are subscribed again"),
                   "the undo page")
        browser.screenshot(os.path.join(artifacts, "3-resubscribed.png"))
        check(gateway.suppression(address) is None, "the suppression is lifted")

        browser.open(url[:-4] + ("AAAA" if not url.endswith("AAAA") else "BBBB"))
        check(browser.text("h1") == "This link is not valid", "an altered link's page")
        browser.screenshot(os.path.join(artifacts, "4-invalid-link.png"))
        check(gateway.suppression(address) is None, "an altered link changes nothing")

        status, events = gateway.admin("GET", "/v1/events?email=" + address)
        kinds = [e["kind"] for e in events["items"]]
        check(kinds == ["unsubscribed", "resubscribed"],
              f"one event per change, through the router: {kinds}")
        check(all(e["campaign_id"] == "spring" and e["provider"] == "news"
                  for e in events["items"]), "the events name the campaign and provider")
    finally:
        if browser:
            browser.quit()
        status = gateway.stop()
        smtp.shutdown()
    check(status == 0, f"the gateway stops cleanly (exit status {status})")


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        return 2
    binary, plugins, artifacts = sys.argv[1:]
    if not shutil.which("chromium") or not shutil.which("chromedriver"):
        print("SKIPPED: needs chromium and chromium-driver (scripts/bootstrap.sh installs them)")
        return 77
    os.makedirs(artifacts, exist_ok=True)
    work = tempfile.mkdtemp(prefix="mailgate-browser-")
    try:
        run(binary, plugins, artifacts, work)
    except Failure as e:
        print("FAILED:", e)
        for log in ("gateway.log", "chromedriver.log"):
            path = os.path.join(work, log)
            if os.path.exists(path):
                with open(path) as f:
                    print(f"--- {log} (tail):\n" + "".join(f.readlines()[-20:]))
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("PASSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
