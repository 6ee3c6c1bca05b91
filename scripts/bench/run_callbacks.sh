#!/usr/bin/env bash
# Callback throughput: wrk posts legacy batches of 1, 100 and 1000 events over 64 keep-alive
# connections to `mailgate serve` (SQLite, durable commits: fsync before each answer), and the
# same bodies to nginx answering a static 200 (the ceiling of HTTP here). Prints requests/s,
# events/s, p50/p99 latency and the gateway's peak RSS. Each batch size starts on a new database,
# so the figures compare; then a sustained run posts 1000-event batches to one database for
# BENCH_SUSTAINED_ROUNDS rounds (default 3) and prints each round's events/s beside the events
# already stored: the random-key indexes cost more as the database grows.
# Usage: scripts/bench/run_callbacks.sh [DURATION_SECONDS]   (after scripts/run.sh built it)
# BENCH_BUILD=DIR runs another build's gateway; BENCH_BATCHES="1000" only some batch sizes;
# BENCH_SUSTAINED_ROUNDS=0 no sustained run; BENCH_YAML appends its text to the configuration (a
# suppression section, say); BENCH_NGINX=0 skips nginx.
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-10}
rounds=${BENCH_SUSTAINED_ROUNDS:-3}
build=$(realpath "${BENCH_BUILD:-build}")
batches=${BENCH_BATCHES:-1 100 1000}
token=bench-admin-token-0123456789
scripts/bootstrap.sh wrk nginx-light
cmake --build "$build" --target mailgate_runtime >/dev/null
# shellcheck source=scripts/lib/local_servers.sh
source scripts/lib/local_servers.sh

work=$(mktemp -d)
cleanup() {
    [ -z "${gateway_pid:-}" ] || stop_process "$gateway_pid"
    [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# start_fresh_gateway NAME: a gateway on a database of its own; sets gateway_pid, gateway_port.
start_fresh_gateway() {
    local dir="$work/$1"
    mkdir -p "$dir"
    cat >"$dir/mailgate.yaml" <<YAML
server:
  listen: 127.0.0.1:0
  threads: 2
  max_connections: 4096
storage:
  path: $dir/var/mailgate.db
admin:
  token: $token
plugins:
  directory: $build/lib/mailgate/plugins
providers:
  - {nickname: legacy, driver: legacy, host: 127.0.0.1, port: 2525, scheme: smtp}
${BENCH_YAML:-}
YAML
    start_gateway "$build/bin/mailgate" "$dir/mailgate.yaml" "$dir" --log-level warn
}

cat >"$work/nginx.conf" <<NGINX
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx_error.log;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $work/nginx_body;
    client_max_body_size 16m;
    client_body_buffer_size 1m;
    server {
        listen 127.0.0.1:18099;
        location / { return 200 '{"TOTAL_EVENTS":0,"PROCESSED_EVENTS":0,"UNPROCESSED_EVENTS":[]}'; }
    }
}
NGINX
nginx -c "$work/nginx.conf"

peak_rss_kb() { awk '/VmHWM/ {print $2}' "/proc/$gateway_pid/status"; }
result() { grep RESULT "$1" | sed 's/RESULT //'; }
field() { echo "$1" | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k {print $2}'; }

# post TARGET_URL SCRIPT BATCH: runs wrk; sets rps, eps, p50, p99, errors.
post() {
    BATCH=$3 wrk -t2 -c64 -d"${duration}s" --latency -s "scripts/bench/$2" "$1" \
        >"$work/wrk.txt" 2>&1
    local r requests seconds
    r=$(result "$work/wrk.txt")
    requests=$(field "$r" requests) seconds=$(field "$r" duration_s)
    rps=$(awk -v n="$requests" -v s="$seconds" 'BEGIN {printf "%.0f", n / s}')
    eps=$(awk -v n="$requests" -v s="$seconds" -v b="$3" 'BEGIN {printf "%.0f", n * b / s}')
    p50=$(field "$r" p50_ms) p99=$(field "$r" p99_ms) errors=$(field "$r" errors)
}

stored_events() { # the events the gateway has counted, duplicates included
    curl -s -H "Authorization: Bearer $token" "http://127.0.0.1:$gateway_port/metrics" |
        awk '/^mailgate_events_total\{/ {n += $2} END {printf "%.0f", n}'
}

printf "%-10s %-8s %12s %12s %10s %10s %8s %12s\n" target batch "requests/s" "events/s" \
    "p50_ms" "p99_ms" errors "peak_rss_kB"
for batch in $batches; do
    start_fresh_gateway "batch-$batch"
    post "http://127.0.0.1:$gateway_port/v1/callbacks/legacy" legacy_post.lua "$batch"
    printf "%-10s %-8s %12s %12s %10s %10s %8s %12s\n" mailgate "$batch" "$rps" "$eps" "$p50" \
        "$p99" "$errors" "$(peak_rss_kb)"
    stop_process "$gateway_pid"
    gateway_pid=""
    [ "${BENCH_NGINX:-1}" = 0 ] && continue
    post "http://127.0.0.1:18099/" static_post.lua "$batch"
    printf "%-10s %-8s %12s %12s %10s %10s %8s\n" nginx "$batch" "$rps" "$eps" "$p50" "$p99" \
        "$errors"
done

[ "$rounds" = 0 ] && exit 0
echo
echo "sustained: 1000-event batches, one database, ${duration} s a round"
printf "%-6s %16s %12s %10s %10s %12s\n" round "stored_before" "events/s" "p50_ms" "p99_ms" \
    "db_MB"
start_fresh_gateway sustained
for round in $(seq "$rounds"); do
    before=$(stored_events)
    post "http://127.0.0.1:$gateway_port/v1/callbacks/legacy" legacy_post.lua 1000
    printf "%-6s %16s %12s %10s %10s %12s\n" "$round" "$before" "$eps" "$p50" "$p99" \
        "$(du -m "$work/sustained/var/mailgate.db" | cut -f1)"
done
echo "mailgate peak RSS (sustained): $(peak_rss_kb) kB"
