#!/usr/bin/env bash
# Outbound throughput: 20,000 messages of about 5 KB posted to `mailgate serve` (the default
# SQLite queue, fsync on every commit; one smtp provider) in 200 requests of 100 recipients, 8 at
# a time by one curl over kept-alive connections, and delivered to Postfix's smtp-sink on loopback, with max_connections 10 and then 50.
# Timed from the first POST until /metrics counts all of them sent; CPU is the gateway's
# utime+stime over that span, RSS its peak. Beside each, smtp-source sends as many messages with a
# 5120-byte body over as many sessions (-d: each session reuses its connection, as the gateway's
# pool does) to a fresh smtp-sink: what plain SMTP costs here, without a queue or an API.
# Usage: scripts/bench/run_sending.sh [BUILD_DIR]   (default: build, after scripts/run.sh)
# BENCH_MESSAGES=N (a multiple of 100) sends fewer or more; per-thread CPU goes to stderr.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=$(realpath "${1:-$repo/build}")
cd "$repo"
messages=${BENCH_MESSAGES:-20000} batch=100 posters=8 body_bytes=5120
token=bench-admin-token-0123456789
scripts/bootstrap.sh postfix
cmake --build "$build" --target mailgate mailgate-smtp >/dev/null
# shellcheck source=scripts/lib/local_servers.sh
source scripts/lib/local_servers.sh

work=$(mktemp -d)
cleanup() {
    [ -z "${gateway_pid:-}" ] || stop_process "$gateway_pid"
    [ -z "${smtp_sink_pid:-}" ] || stop_process "$smtp_sink_pid"
    rm -rf "$work"
}
trap cleanup EXIT

# The body: 80 lines of 63 characters and a newline, 5120 bytes, written as a JSON string.
write_requests() {
    local line text="" i j to
    for i in $(seq 80); do
        printf -v line 'Line %02d of the benchmark body: the quick brown fox jumps over it.' "$i"
        text+="$line\\n"
    done
    mkdir -p "$work/requests"
    for i in $(seq 0 $((messages / batch - 1))); do
        to=""
        for j in $(seq "$batch"); do
            to+="${to:+,}\"r$((i * batch + j))@sink.example\""
        done
        printf '{"provider":"sink","subject":"Benchmark message %d","text":"%s","to":[%s]}' \
            "$i" "$text" "$to" >"$work/requests/$i.json"
    done
}

write_config() { # DIR CONNECTIONS
    cat >"$1/mailgate.yaml" <<YAML
server:
  listen: 127.0.0.1:0
storage:
  path: $1/var/mailgate.db
outbound:
  max_connections: $2
admin:
  token: $token
attribution:
  key: AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=
plugins:
  directory: $build/lib/mailgate/plugins
providers:
  - {nickname: sink, driver: smtp, host: 127.0.0.1, port: $smtp_sink_port, scheme: smtp,
     verify_tls: false, from_name: Bench, from_address: bench@mailgate.test}
YAML
}

# Where the gateway's CPU went: one line per thread (the writer, delivery, HTTP), to stderr.
thread_cpu() { # PID
    local t
    for t in /proc/"$1"/task/*; do
        awk -v hz="$(getconf CLK_TCK)" '{printf "  thread %s: user %.2f s, system %.2f s\n",
            $2, $14 / hz, $15 / hz}' "$t/stat"
    done >&2
}
cpu_seconds() { # PID
    awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$1/stat"
}
attempts() { # METRICS_FILE STATE
    awk -v s="state=\"$2\"" '/^mailgate_outbound_attempts_total\{/ && /provider="sink"/ &&
        index($0, s) {n += $2} END {print n + 0}' "$1"
}
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", b - a}'; }

# One curl for every POST, $posters at a time over kept-alive connections: a curl process per
# request would cost the machine more CPU than the gateway's intake and slow both runs' host.
post_all() { # DIR
    local f
    for f in "$work"/requests/*.json; do
        printf 'next\nurl = "http://127.0.0.1:%s/v1/messages"\n' "$gateway_port"
        printf 'header = "Authorization: Bearer %s"\n' "$token"
        printf 'header = "Content-Type: application/json"\n'
        printf 'data-binary = "@%s"\noutput = "/dev/null"\nwrite-out = "%%{http_code}\\n"\n' "$f"
    done | tail -n +2 >"$1/posts.curl"
    curl -sS --no-progress-meter --parallel --parallel-max "$posters" -K "$1/posts.curl" \
        >"$1/codes"
    local refused
    refused=$(grep -cv '^202$' "$1/codes" || true)
    [ "$refused" -eq 0 ] || { echo "$refused request(s) not accepted:" >&2; sort "$1/codes" |
        uniq -c >&2; tail -20 "$1/gateway.log" >&2; exit 1; }
}

wait_until_sent() { # DIR
    local deadline=$((SECONDS + 900))
    while :; do
        curl -sS -H "Authorization: Bearer $token" "http://127.0.0.1:$gateway_port/metrics" \
            >"$1/metrics"
        [ "$(attempts "$1/metrics" failed)" -eq 0 ] || { echo "failures:" >&2;
            grep outbound "$1/metrics" >&2; tail -20 "$1/gateway.log" >&2; exit 1; }
        [ "$(attempts "$1/metrics" sent)" -lt "$messages" ] || return 0
        [ "$SECONDS" -lt "$deadline" ] || { echo "not all sent after 900 s" >&2; exit 1; }
        sleep 0.1
    done
}

run_mailgate() { # CONNECTIONS: sets m_posted m_wall m_cpu m_rss m_deferred
    local dir="$work/mailgate-$1" start cpu_start
    mkdir -p "$dir"
    start_smtp_sink "$dir/sink.log"
    write_config "$dir" "$1"
    start_gateway "$build/bin/mailgate" "$dir/mailgate.yaml" "$dir" --log-level warn
    cpu_start=$(cpu_seconds "$gateway_pid") start=$(now)
    post_all "$dir"
    m_posted=$(elapsed "$start" "$(now)")
    wait_until_sent "$dir"
    m_wall=$(elapsed "$start" "$(now)")
    m_cpu=$(elapsed "$cpu_start" "$(cpu_seconds "$gateway_pid")")
    m_rss=$(awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$gateway_pid/status")
    m_deferred=$(attempts "$dir/metrics" deferred)
    thread_cpu "$gateway_pid"
    stop_process "$gateway_pid"
    stop_process "$smtp_sink_pid"
    gateway_pid="" smtp_sink_pid=""
}

run_smtp_source() { # SESSIONS: sets s_wall s_cpu
    local dir="$work/smtp-source-$1" TIMEFORMAT='%R %U %S' user sys
    mkdir -p "$dir"
    start_smtp_sink "$dir/sink.log"
    { time "$smtp_source_binary" -d -s "$1" -m "$messages" -l "$body_bytes" -M mailgate.test \
        -f bench@mailgate.test -t r@sink.example "127.0.0.1:$smtp_sink_port" \
        >"$dir/source.log" 2>&1; } 2>"$dir/time"
    read -r s_wall user sys <"$dir/time"
    s_cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN {printf "%.2f", u + s}')
    stop_process "$smtp_sink_pid"
    smtp_sink_pid=""
}

rate() { awk -v n="$messages" -v s="$1" 'BEGIN {printf "%.0f", n / s}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "n/a"}'; }

write_requests
rows=()
for connections in 10 50; do
    load=$(cut -d' ' -f1 /proc/loadavg)
    echo "max_connections $connections: mailgate..." >&2
    run_mailgate "$connections"
    echo "max_connections $connections: smtp-source..." >&2
    run_smtp_source "$connections"
    rows+=("$(printf '| %s ' "$connections" "$load" "$m_posted" "$m_wall" "$(rate "$m_wall")" \
        "$m_cpu" "$m_rss" "$m_deferred" "$s_wall" "$(rate "$s_wall")" "$s_cpu" \
        "$(ratio "$(rate "$m_wall")" "$(rate "$s_wall")")" "$(ratio "$m_cpu" "$s_cpu")")|")
done

echo
echo "$messages messages of ~${body_bytes} B body, $((messages / batch)) POSTs of $batch," \
    "$posters at a time; $(nproc) CPU(s); load: 1-minute average before the run"
echo
echo "| connections | load | POSTs done s | mailgate s | mailgate msg/s | mailgate CPU s |" \
    "mailgate peak RSS MB | deferred | smtp-source s | smtp-source msg/s | smtp-source CPU s |" \
    "msg/s ratio | CPU ratio |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
