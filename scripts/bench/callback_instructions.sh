#!/usr/bin/env bash
# CPU per callback event, counted in instructions by callgrind rather than timed, so that two
# builds compare on a machine busy with other work: the same binary and inputs give the same
# count whatever else runs. For each build folder given (default: build), starts its gateway
# under callgrind (SQLite, durable commits), posts one warm-up batch, then counts every
# instruction of every thread while it takes BENCH_BATCHES (default 20) legacy batches of 1000
# events and BENCH_SINGLES (default 200) one-event callbacks, each with fresh addresses.
# Prints instructions per event for each. The fsync's wait is not an instruction: wall-clock
# throughput is scripts/bench/run_callbacks.sh.
#
#   scripts/bench/callback_instructions.sh [BUILD_DIR...]
#
# A build folder may belong to another checkout (a worktree of an older commit): its binary and
# drivers are used as they are.
set -euo pipefail
cd "$(dirname "$0")/../.."
batches=${BENCH_BATCHES:-20}
singles=${BENCH_SINGLES:-200}
[ $# -gt 0 ] || set -- build
scripts/bootstrap.sh valgrind
# shellcheck source=scripts/lib/local_servers.sh
source scripts/lib/local_servers.sh

work=$(mktemp -d)
cleanup() {
    [ -z "${gateway_pid:-}" ] || stop_process "$gateway_pid"
    rm -rf "$work"
}
trap cleanup EXIT
token=bench-admin-token-0123456789

# body N SEED: a legacy callback of N soft bounces to addresses no other body repeats.
body() {
    python3 - "$1" "$2" <<'PY'
import random, sys
n, seed = int(sys.argv[1]), sys.argv[2]
rnd = random.Random(seed)
items = ",".join('{"e":"%08x-%s-%d@bench.example","ts":1435322805}'
                 % (rnd.getrandbits(32), seed, i) for i in range(n))
print('[{"event":"softbounce","data":[%s]}]' % items)
PY
}

# counted COMMAND...: the instructions all threads of the gateway ran while COMMAND ran.
counted() {
    callgrind_control --zero "$gateway_pid" >/dev/null 2>&1
    "$@"
    callgrind_control --dump "$gateway_pid" >/dev/null 2>&1
    local dump
    dump=$(ls -t "$work"/callgrind.out.* | head -1)
    awk '/^(summary|totals):/ {print $2; exit}' "$dump"
}

post_bodies() { # PREFIX COUNT
    for i in $(seq "$2"); do
        curl -sf -o /dev/null --data-binary "@$work/$1-$i.json" \
            -H 'Content-Type: application/json' \
            "http://127.0.0.1:$gateway_port/v1/callbacks/legacy"
    done
}

for i in $(seq "$batches"); do body 1000 "b$i" >"$work/batch-$i.json"; done
for i in $(seq "$singles"); do body 1 "s$i" >"$work/single-$i.json"; done
body 1000 warm >"$work/warm-1.json"

printf "%-40s %22s %22s\n" build "instr/event (1000s)" "instr/event (single)"
for build in "$@"; do
    dir="$work/run"
    rm -rf "$dir" && mkdir -p "$dir"
    cat >"$dir/mailgate.yaml" <<YAML
server:
  listen: 127.0.0.1:0
  threads: 2
storage:
  path: $dir/var/mailgate.db
admin:
  token: $token
plugins:
  directory: $(realpath "$build")/lib/mailgate/plugins
providers:
  - {nickname: legacy, driver: legacy, host: 127.0.0.1, port: 2525, scheme: smtp}
YAML
    rm -f "$work"/callgrind.out.*
    rm -f "$dir/port"
    valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out.%p" \
        "$build/bin/mailgate" serve --config "$dir/mailgate.yaml" --port-file "$dir/port" \
        --log-level warn >"$dir/gateway.log" 2>&1 &
    gateway_pid=$!
    for _ in $(seq 600); do [ -s "$dir/port" ] && break; sleep 0.1; done
    [ -s "$dir/port" ] || { cat "$dir/gateway.log" >&2; exit 1; }
    gateway_port=$(cat "$dir/port")
    post_bodies warm 1
    many=$(counted post_bodies batch "$batches")
    one=$(counted post_bodies single "$singles")
    printf "%-40s %22s %22s\n" "$build" \
        "$(awk -v n="$many" -v e="$((batches * 1000))" 'BEGIN {printf "%.0f", n / e}')" \
        "$(awk -v n="$one" -v e="$singles" 'BEGIN {printf "%.0f", n / e}')"
    stop_process "$gateway_pid"
    gateway_pid=""
done
