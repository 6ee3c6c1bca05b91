#!/usr/bin/env bash
# mailgate-test-smtpd the way the shell-level tests drive it: --port-file, --reject, --out,
# and a clean exit on SIGTERM. Usage: smtpd_process_test.sh PATH_TO_mailgate-test-smtpd
set -euo pipefail

server=$1
work=$(mktemp -d)
pid=
cleanup() {
    if [[ -n $pid ]]; then
        kill "$pid" 2>/dev/null
    fi
    rm -rf "$work"
}
trap cleanup EXIT

wait_for_file() {
    for _ in $(seq 200); do
        [[ -s $1 ]] && return 0
        sleep 0.05
    done
    echo "no $1" >&2
    return 1
}

"$server" --port-file "$work/port" --out "$work/out" \
    --reject 'gone@y.example=550 5.1.1 <gone@y.example>: user unknown' &
pid=$!
wait_for_file "$work/port"
exec 3<>"/dev/tcp/127.0.0.1/$(<"$work/port")"

say() { printf '%s\r\n' "$@" >&3; }
expect() {
    local line
    IFS= read -r -t 5 line <&3
    line=${line%$'\r'}
    [[ $line == "$1"* ]] || { echo "expected '$1...', got '$line'" >&2; exit 1; }
}

expect "220 localhost ESMTP"
say "HELO shell.example"; expect "250 "
say "MAIL FROM:<a@x.example>"; expect "250 "
say "RCPT TO:<gone@y.example>"; expect "550 5.1.1 <gone@y.example>: user unknown"
say "RCPT TO:<b@y.example>"; expect "250 "
say "DATA"; expect "354 "
say "Subject: shell" "" "..dot" "."; expect "250 2.0.0 Ok: queued as "
say "QUIT"; expect "221 "

wait_for_file "$work/out/1.envelope"
grep -qx 'from=<a@x.example> to=<b@y.example>' "$work/out/1.envelope"
printf 'Subject: shell\r\n\r\n.dot\r\n' | cmp - "$work/out/1.eml"

kill -TERM "$pid"
wait "$pid"
pid=
