#!/usr/bin/env bash
# Callback throughput on PostgreSQL next to SQLite, from one run on one machine: wrk posts
# legacy batches of 1, 100 and 1000 events over 64 keep-alive connections to
#   sqlite      one `mailgate serve` on SQLite (durable commits: fsync before each answer),
#   postgres/1  one node on PostgreSQL (synchronous_commit on, fsync on),
#   postgres/2  two nodes on that one database, 32 connections to each (a balancer's view),
# with the PostgreSQL server started for the run (scripts/lib/postgres.sh). Prints requests/s,
# events/s, p50/p99 latency (for two nodes: the worse node's) and wrk's errors. wrk waits up to
# 30 s for an answer: 64 requests of 1000 events queue for longer than its default 2 s.
# Usage: scripts/bench/run_callbacks_postgres.sh [DURATION_SECONDS]   (after scripts/run.sh;
# BUILD_DIR=... for another build folder than build/)
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-10}
build=${BUILD_DIR:-build}
scripts/bootstrap.sh wrk
cmake --build "$build" --target mailgate_runtime >/dev/null
. scripts/lib/postgres.sh

work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    postgres_stop
    rm -rf "$work"
}
trap cleanup EXIT
postgres_start
export MAILGATE_BENCH_DATABASE_URL=$MAILGATE_TEST_POSTGRES_URL

# start_node NAME STORAGE_YAML: a gateway whose port ends up in $work/NAME.port
start_node() {
    cat >"$work/$1.yaml" <<YAML
server:
  listen: 127.0.0.1:0
  threads: 2
  max_connections: 4096
storage:
$2
outbound:
  node_id: $1
plugins:
  directory: $(realpath "$build")/lib/mailgate/plugins
providers:
  - {nickname: legacy, driver: legacy, host: 127.0.0.1, port: 2525, scheme: smtp}
YAML
    "$build/bin/mailgate" serve --config "$work/$1.yaml" --port-file "$work/$1.port" \
        --log-level warn >"$work/$1.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 100); do [ -f "$work/$1.port" ] && break; sleep 0.1; done
    [ -f "$work/$1.port" ] || { cat "$work/$1.log" >&2; exit 1; }
}
postgres_yaml="  backend: postgres
  url: env:MAILGATE_BENCH_DATABASE_URL"
start_node sqlite "  path: $work/var/mailgate.db"
start_node pg1 "$postgres_yaml"
start_node pg2 "$postgres_yaml"

field() { echo "$1" | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k {print $2}'; }

# post BATCH CONNECTIONS NODE_NAME...: one wrk per node at once; prints "requests seconds p50 p99 errors"
post() {
    local batch=$1 connections=$2 i=0
    shift 2
    local wrk_pids=()
    for node in "$@"; do
        BATCH=$batch NODE=$i wrk -t$((2 / $#)) -c"$connections" -d"${duration}s" --latency \
            --timeout 30s \
            -s scripts/bench/legacy_post.lua \
            "http://127.0.0.1:$(cat "$work/$node.port")/v1/callbacks/legacy" \
            >"$work/wrk.$i.txt" 2>&1 &
        wrk_pids+=($!)
        i=$((i + 1))
    done
    wait "${wrk_pids[@]}"
    local requests=0 seconds=0 p50=0 p99=0 errors=0 r
    for ((i = 0; i < $#; i++)); do
        r=$(grep RESULT "$work/wrk.$i.txt" | sed 's/RESULT //')
        requests=$((requests + $(field "$r" requests)))
        errors=$((errors + $(field "$r" errors)))
        seconds=$(field "$r" duration_s)
        p50=$(awk -v a="$p50" -v b="$(field "$r" p50_ms)" 'BEGIN {print (b > a ? b : a)}')
        p99=$(awk -v a="$p99" -v b="$(field "$r" p99_ms)" 'BEGIN {print (b > a ? b : a)}')
    done
    echo "$requests $seconds $p50 $p99 $errors"
}

printf "%-12s %-6s %12s %12s %10s %10s %8s\n" target batch "requests/s" "events/s" p50_ms p99_ms \
    errors
for batch in 1 100 1000; do
    for target in sqlite postgres/1 postgres/2; do
        case $target in
        sqlite) read -r n s p50 p99 e < <(post "$batch" 64 sqlite) ;;
        postgres/1) read -r n s p50 p99 e < <(post "$batch" 64 pg1) ;;
        postgres/2) read -r n s p50 p99 e < <(post "$batch" 32 pg1 pg2) ;;
        esac
        printf "%-12s %-6s %12.0f %12.0f %10s %10s %8s\n" "$target" "$batch" \
            "$(awk -v n="$n" -v s="$s" 'BEGIN {print n / s}')" \
            "$(awk -v n="$n" -v s="$s" -v b="$batch" 'BEGIN {print n * b / s}')" "$p50" "$p99" "$e"
    done
done
events=$(psql "$MAILGATE_TEST_POSTGRES_URL" -Atc "SELECT count(*) FROM events")
echo "events in PostgreSQL at the end: $events"
