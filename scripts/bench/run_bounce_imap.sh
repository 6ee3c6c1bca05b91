#!/usr/bin/env bash
# The IMAP way in at volume: COUNT DSNs (default 1000) wait in a throwaway Dovecot's INBOX
# (scripts/lib/dovecot.sh) beside COUNT/10 ordinary messages; `mailgate serve` (SQLite, durable
# commits) polls the mailbox and each bounce is fetched, classified, stored and moved to
# mailgate/processed. Prints the bounces handled a second from the gateway's start to the last
# one stored, and how many were moved.
# Usage: scripts/bench/run_bounce_imap.sh [COUNT]   (after scripts/run.sh built it)
set -euo pipefail
cd "$(dirname "$0")/../.."
count=${1:-1000}
cmake --build build --target mailgate_runtime >/dev/null
# shellcheck source=scripts/lib/local_servers.sh
source scripts/lib/local_servers.sh

work=$(mktemp -d)
chmod 755 "$work" # Dovecot runs as its own user under it
cleanup() {
    [ -z "${gateway_pid:-}" ] || stop_process "$gateway_pid"
    scripts/lib/dovecot.sh stop "$work/dovecot" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

scripts/lib/dovecot.sh start "$work/dovecot" >/dev/null
maildir=$work/dovecot/mail
owner=$(stat -c %u:%g "$maildir")
deliver() { # deliver NAME: stdin into INBOX
    cat >"$maildir/tmp/$1"
    chown "$owner" "$maildir/tmp/$1"
    mv "$maildir/tmp/$1" "$maildir/new/$1"
}
for n in $(seq "$count"); do
    printf '%s\r\n' "From: MAILER-DAEMON@mx.example.org" "Message-ID: <bench-$n@mx.example.org>" \
        "Subject: Undelivered Mail Returned to Sender" "MIME-Version: 1.0" \
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"' "" \
        "--B" "Content-Type: message/delivery-status" "" "Reporting-MTA: dns; mx.example.org" "" \
        "Final-Recipient: rfc822; user$n@example.net" "Action: failed" "Status: 5.1.1" \
        "Diagnostic-Code: smtp; 550 5.1.1 User unknown" "" "--B--" | deliver "bounce-$n"
    if [ $((n % 10)) -eq 0 ]; then
        printf '%s\r\n' "From: friend@example.org" "Subject: lunch $n" "" "Tomorrow?" |
            deliver "mail-$n"
    fi
done

cat >"$work/mailgate.yaml" <<YAML
server:
  listen: 127.0.0.1:0
storage:
  path: $work/var/mailgate.db
admin:
  token: bench-admin-token-0123456789
bounces:
  mailboxes:
    - name: bench
      host: 127.0.0.1
      port: $(cat "$work/dovecot/port")
      security: none
      user: $(cat "$work/dovecot/user")
      password: file:$work/dovecot/password
      poll_interval: 1s
plugins:
  directory: $PWD/build/lib/mailgate/plugins
providers: []
YAML
handled() {
    curl -s -H "Authorization: Bearer bench-admin-token-0123456789" \
        "http://127.0.0.1:$gateway_port/metrics" |
        awk '/^mailgate_bounce_messages_total\{.*kind="bounce"/ {n += $2} END {printf "%.0f", n}'
}
started=$(date +%s.%N)
start_gateway build/bin/mailgate "$work/mailgate.yaml" "$work" --log-level "${BENCH_LOG_LEVEL:-warn}"
while [ "$(handled)" -lt "$count" ]; do
    kill -0 "$gateway_pid" || { cat "$work/gateway.log"; exit 1; }
    if [ "$(date +%s)" -gt "${deadline:=$(($(date +%s) + ${BENCH_PATIENCE:-60}))}" ]; then
        echo "not all handled within 60 s:"; cat "$work/gateway.log"
        curl -s -H "Authorization: Bearer bench-admin-token-0123456789" "http://127.0.0.1:$gateway_port/metrics" | grep -i "bounce\|worker"; exit 1
    fi
    sleep 0.2
done
ended=$(date +%s.%N)
moved=$(find "$maildir/.mailgate.processed" -type f -path '*/cur/*' -o -type f -path '*/new/*' \
    2>/dev/null | grep -c processed || true)
awk -v n="$count" -v s="$started" -v e="$ended" \
    'BEGIN {printf "%d bounces in %.1f s: %.0f bounces/s\n", n, e - s, n / (e - s)}'
echo "moved to mailgate/processed: $moved (the rest of the moves may still be under way)"
echo "left in INBOX: $(find "$maildir/new" "$maildir/cur" -type f | wc -l) (ordinary: $((count / 10)))"
