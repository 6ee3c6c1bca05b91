#!/usr/bin/env bash
# Callback throughput: wrk posts legacy batches of 1, 100 and 1000 events over 64 keep-alive
# connections to `mailgate serve` (SQLite, durable commits: fsync before each answer), and the
# same bodies to nginx answering a static 200 (the ceiling of HTTP here). Prints requests/s,
# events/s, p50/p99 latency and the gateway's peak RSS.
# Usage: scripts/bench/run_callbacks.sh [DURATION_SECONDS]   (after scripts/run.sh built it)
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-10}
scripts/bootstrap.sh wrk nginx-light
cmake --build build --target mailgate_runtime >/dev/null

work=$(mktemp -d)
cleanup() {
    [ -n "${gateway_pid:-}" ] && kill "$gateway_pid" 2>/dev/null || true
    [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

cat >"$work/mailgate.yaml" <<YAML
server:
  listen: 127.0.0.1:0
  threads: 2
  max_connections: 4096
storage:
  path: $work/var/mailgate.db
plugins:
  directory: $PWD/build/lib/mailgate/plugins
providers:
  - {nickname: legacy, driver: legacy, host: 127.0.0.1, port: 2525, scheme: smtp}
YAML
build/bin/mailgate serve --config "$work/mailgate.yaml" --port-file "$work/port" \
    --log-level warn >"$work/gateway.log" 2>&1 &
gateway_pid=$!
for _ in $(seq 100); do [ -f "$work/port" ] && break; sleep 0.1; done
port=$(cat "$work/port")

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

printf "%-10s %-8s %12s %12s %10s %10s %8s\n" target batch "requests/s" "events/s" "p50_ms" \
    "p99_ms" errors
for batch in 1 100 1000; do
    for target in mailgate nginx; do
        if [ "$target" = mailgate ]; then
            url="http://127.0.0.1:$port/v1/callbacks/legacy" script=legacy_post.lua
        else
            url="http://127.0.0.1:18099/" script=static_post.lua
        fi
        BATCH=$batch wrk -t2 -c64 -d"${duration}s" --latency -s "scripts/bench/$script" "$url" \
            >"$work/wrk.txt" 2>&1
        r=$(result "$work/wrk.txt")
        requests=$(field "$r" requests) seconds=$(field "$r" duration_s)
        rps=$(awk -v n="$requests" -v s="$seconds" 'BEGIN {printf "%.0f", n / s}')
        eps=$(awk -v n="$requests" -v s="$seconds" -v b="$batch" 'BEGIN {printf "%.0f", n * b / s}')
        printf "%-10s %-8s %12s %12s %10s %10s %8s\n" "$target" "$batch" "$rps" "$eps" \
            "$(field "$r" p50_ms)" "$(field "$r" p99_ms)" "$(field "$r" errors)"
    done
done
echo "mailgate peak RSS: $(peak_rss_kb) kB"
