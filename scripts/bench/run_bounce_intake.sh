#!/usr/bin/env bash
# Bounce mail beside callbacks: wrk posts 100-event legacy batches over 64 connections to
# `mailgate serve` (SQLite, durable commits) for DURATION seconds alone, then again while
# bounce_sender.py sends DSNs to the bounce SMTP listener at BOUNCE_RATE a second (default 100)
# over BOUNCE_CONNECTIONS (default 8), each to a fresh signed return path. Prints callback
# events/s alone and with the bounces, and the bounces' rate reached and the latency of their 250
# (classified, attributed and stored durably before it is sent).
# Usage: scripts/bench/run_bounce_intake.sh [DURATION_SECONDS]   (after scripts/run.sh built it)
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-10}
rate=${BOUNCE_RATE:-100}
key=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=
scripts/bootstrap.sh wrk
cmake --build build --target mailgate_runtime >/dev/null
# shellcheck source=scripts/lib/local_servers.sh
source scripts/lib/local_servers.sh

work=$(mktemp -d)
cleanup() {
    [ -z "${gateway_pid:-}" ] || stop_process "$gateway_pid"
    rm -rf "$work"
}
trap cleanup EXIT

smtp_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$work/mailgate.yaml" <<YAML
server:
  listen: 127.0.0.1:0
  threads: 2
  max_connections: 4096
storage:
  path: $work/var/mailgate.db
attribution:
  key: $key
bounces:
  domains: [bounces.bench.example]
  listen:
    listen: 127.0.0.1:$smtp_port
plugins:
  directory: $PWD/build/lib/mailgate/plugins
providers:
  - {nickname: legacy, driver: legacy, host: 127.0.0.1, port: 2525, scheme: smtp}
YAML
start_gateway build/bin/mailgate "$work/mailgate.yaml" "$work" --log-level warn

result() { grep RESULT "$1" | sed 's/RESULT //'; }
field() { echo "$1" | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k {print $2}'; }
callbacks() {
    BATCH=100 wrk -t2 -c64 -d"${duration}s" --latency -s scripts/bench/legacy_post.lua \
        "http://127.0.0.1:$gateway_port/v1/callbacks/legacy" >"$work/wrk.txt" 2>&1
    local r
    r=$(result "$work/wrk.txt")
    awk -v n="$(field "$r" requests)" -v s="$(field "$r" duration_s)" \
        'BEGIN {printf "%.0f", n * 100 / s}'
}

alone=$(callbacks)
python3 scripts/bench/bounce_sender.py "$smtp_port" "$key" bounces.bench.example "$rate" \
    "$duration" "${BOUNCE_CONNECTIONS:-8}" >"$work/bounces.txt" &
sender=$!
with=$(callbacks)
wait "$sender"
b=$(result "$work/bounces.txt")
printf "%-32s %12s\n" "callback events/s, alone" "$alone"
printf "%-32s %12s\n" "callback events/s, with bounces" "$with"
printf "%-32s %12s  (asked %s)\n" "bounces/s reached" "$(field "$b" rate)" "$rate"
printf "%-32s %12s\n" "bounce 250 p50 ms" "$(field "$b" p50_ms)"
printf "%-32s %12s\n" "bounce 250 p99 ms" "$(field "$b" p99_ms)"
printf "%-32s %12s\n" "bounce errors" "$(field "$b" errors)"
