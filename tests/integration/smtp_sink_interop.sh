#!/usr/bin/env bash
# Interop with Postfix's smtp-sink: the real gateway sends varied messages (UTF-8 subject and
# names, text+HTML, binary attachments, long lines, leading dots, an IDN domain) through the smtp
# driver to smtp-sink, which dumps each one to a file; check_sink_messages.py then parses them
# with Python's email package and compares them with what was posted.
# Usage: smtp_sink_interop.sh MAILGATE_BINARY PLUGIN_DIR   (exit 77: skipped)
set -uo pipefail
mailgate=$1 plugins=$2
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib/local_servers.sh
source "$here/../../scripts/lib/local_servers.sh"
if [ ! -x "$smtp_sink_binary" ] || ! command -v python3 >/dev/null; then
    echo "SKIPPED: needs smtp-sink and python3 (scripts/bootstrap.sh installs them)"
    exit 77
fi
token=interop-admin-token-0123456789
work=$(mktemp -d)
cleanup() {
    [ -z "${gateway_pid:-}" ] || stop_process "$gateway_pid"
    [ -z "${smtp_sink_pid:-}" ] || stop_process "$smtp_sink_pid"
    rm -rf "$work"
}
trap cleanup EXIT

fail() {
    echo "FAILED: $*"
    echo "--- gateway log (tail):"
    tail -30 "$work/gateway.log" 2>/dev/null
    exit 1
}
admin() { # METHOD PATH [CURL_OPTION...]: prints the body, then the status on its own line
    local method=$1 path=$2
    shift 2
    curl -sS -X "$method" -w '\n%{http_code}' -H "Authorization: Bearer $token" "$@" \
        "http://127.0.0.1:$gateway_port$path"
}

# Every byte value, and the start of a PDF, as the API takes them: base64.
binary_b64=$(for _ in 1 2 3 4; do
    for i in $(seq 0 255); do printf %b "\\$(printf %03o "$i")"; done
done | base64 -w0)
pdf_b64=$(printf '%%PDF-1.4\n%%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n\x00\x01\r\n.\r\n' |
    base64 -w0)
words=$(printf 'lorem ipsum dolor sit amet %.0s' {1..60})
token_run=$(printf 'abcdefghij%.0s' {1..120})
html_run=$(printf '<td class=\\"c\\">caf\xc3\xa9 &amp; cr\xc3\xa8me</td>%.0s' {1..80})

mkdir -p "$work/requests"
cat >"$work/requests/1.json" <<'JSON'
{"provider": "sink", "to": ["plain@example.com"], "subject": "Plain ASCII message",
 "text": "Hello,\n\nThis is a plain ASCII message.\n\nRegards\n",
 "headers": {"X-Interop-Case": "plain"}}
JSON
cat >"$work/requests/2.json" <<'JSON'
{"provider": "sink", "from": {"name": "Zoë Müller", "address": "zoe@mailgate.test"},
 "to": [{"address": "jose@example.com", "name": "José Núñez"},
        {"address": "anne@example.com", "name": "Anne \"Annie\" O'Brien, Ph.D."}],
 "subject": "Grüße aus Köln: Zoë's ünïcödé ✓ 🎉",
 "text": "Grüße,\nZoë Müller — 東京\n", "headers": {"X-Interop-Case": "utf8"}}
JSON
cat >"$work/requests/3.json" <<'JSON'
{"provider": "sink", "from": "news@mailgate.test", "to": ["alt@example.com"],
 "subject": "Text and HTML", "campaign_id": "spring",
 "text": "Plain part: café\n",
 "html": "<html><body><p>HTML part: <b>café</b></p></body></html>\n",
 "headers": {"X-Interop-Case": "alternative"}}
JSON
cat >"$work/requests/4.json" <<JSON
{"provider": "sink", "to": [{"address": "files@example.com", "name": "Files"}],
 "subject": "Two attachments", "text": "See the attachments.\n",
 "html": "<p>See the attachments.</p>\n",
 "attachments": [
   {"filename": "every-byte.bin", "content_type": "application/octet-stream",
    "content": "$binary_b64"},
   {"filename": "Bericht für Zoë.pdf", "content_type": "application/pdf", "content": "$pdf_b64"}],
 "headers": {"X-Interop-Case": "attachments"}}
JSON
cat >"$work/requests/5.json" <<JSON
{"provider": "sink", "to": ["long@example.com"], "subject": "Long lines",
 "text": "Short line.\n$words\n$token_run\ntrailing spaces   \n\ttab first\nNo final newline",
 "html": "<table><tr>$html_run</tr></table>",
 "headers": {"X-Interop-Case": "long-lines"}}
JSON
cat >"$work/requests/6.json" <<'JSON'
{"provider": "sink", "to": ["dots@example.com"], "subject": "Leading dots",
 "text": ".first line\nthen a line with only a dot:\n.\n..two dots\n. dot space\nFrom the start\n",
 "headers": {"X-Interop-Case": "dots"}}
JSON
cat >"$work/requests/7.json" <<'JSON'
{"provider": "sink", "to": [{"address": "user@bücher.example", "name": "Bücher Fan"}],
 "subject": "IDN domain", "text": "To an internationalised domain.\n",
 "headers": {"X-Interop-Case": "idn"}}
JSON
cat >"$work/requests/8.json" <<'JSON'
{"provider": "sink",
 "to": [{"address": "folded@example.com",
   "name": "A display name that is long enough to need folding: Ærøskøbing Ünïversität"}],
 "subject": "A subject long enough to be folded over several lines, with accents here and there: àéîõü, ßæø, and more words after them to pass 150 characters",
 "text": "Long headers.\n", "headers": {"X-Interop-Case": "long-headers"}}
JSON
{
    echo '{"from": {"name": "Interop", "address": "interop@mailgate.test"}, "requests": ['
    sep=""
    for f in "$work"/requests/*.json; do
        printf '%s' "$sep"
        cat "$f"
        sep=,
    done
    echo ']}'
} >"$work/expected.json"

start_smtp_sink "$work/sink.log" -d "$work/sink/msg." || fail "smtp-sink did not start"
cat >"$work/mailgate.yaml" <<YAML
server:
  listen: 127.0.0.1:0
storage:
  path: $work/var/mailgate.db
outbound:
  poll_interval: 100ms
admin:
  token: $token
attribution:
  key: AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=
plugins:
  directory: $plugins
providers:
  - {nickname: sink, driver: smtp, host: 127.0.0.1, port: $smtp_sink_port, scheme: smtp,
     verify_tls: false, from_name: Interop, from_address: interop@mailgate.test}
YAML
start_gateway "$mailgate" "$work/mailgate.yaml" "$work" || fail "mailgate did not start"

ids=()
for f in "$work"/requests/*.json; do
    admin POST /v1/messages -H 'Content-Type: application/json' --data-binary "@$f" \
        >"$work/reply"
    [ "$(tail -1 "$work/reply")" = 202 ] || fail "POST $(basename "$f"): $(cat "$work/reply")"
    grep -q '"refused":\[\]' "$work/reply" || fail "POST $(basename "$f"): $(cat "$work/reply")"
    mapfile -t -O "${#ids[@]}" ids < <(grep -o '"id":"[^"]*"' "$work/reply" | cut -d'"' -f4)
done
[ "${#ids[@]}" -eq 9 ] || fail "${#ids[@]} message id(s) in the replies, expected 9"

deadline=$((SECONDS + 60))
for id in "${ids[@]}"; do
    while :; do
        admin GET "/v1/messages/$id" >"$work/state"
        grep -q '"state":"sent"' "$work/state" && break
        grep -q '"state":"failed"' "$work/state" && fail "message $id failed: $(cat "$work/state")"
        [ "$SECONDS" -lt "$deadline" ] || fail "message $id not sent in 60 s: $(cat "$work/state")"
        sleep 0.1
    done
done

stop_process "$gateway_pid"
stop_process "$smtp_sink_pid"
gateway_pid="" smtp_sink_pid=""
python3 "$here/check_sink_messages.py" "$work/sink" "$work/expected.json" || fail "see above"
echo "ok: interop.smtp_sink"
