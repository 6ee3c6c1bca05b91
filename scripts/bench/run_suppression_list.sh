#!/usr/bin/env bash
# The suppression list in bulk: ROWS (default 1,000,000) generated entries as CSV imported by
# `mailgate suppressions import` into a fresh SQLite database, then exported back out (CSV and
# JSON lines), each timed with its peak RSS; the export is checked to hold every row. With
# --postgres, the same for PG_ROWS (default 100,000) on a throwaway PostgreSQL server
# (scripts/lib/postgres.sh). Prints one table row per step.
# Peak MiB is the process's maximum RSS, which with SQLite includes the database file's pages
# SQLite maps (clean, file-backed, reclaimable): it grows with the database, not with the file
# imported; the heap stays flat (a fresh import of 300,000 or 1,000,000 rows peaks alike).
# Usage: scripts/bench/run_suppression_list.sh [--postgres] [BUILD_DIR]   (default: build)
# ROWS=N and PG_ROWS=N change the sizes.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
postgres=0
if [ "${1:-}" = "--postgres" ]; then
    postgres=1
    shift
fi
build=${1:-$repo/build}
rows=${ROWS:-1000000}
pg_rows=${PG_ROWS:-100000}
cmake --build "$build" --target mailgate >/dev/null
mailgate=$build/bin/mailgate
work=$(mktemp -d)
cleanup() {
    [ "$postgres" = 1 ] && declare -F postgres_stop >/dev/null && postgres_stop
    rm -rf "$work"
}
trap cleanup EXIT

# N rows, one in ten for one stream with an expiry and a note that needs quoting.
generate() {
    awk -v n="$1" 'BEGIN {
        print "email,stream,reason,expires_at,note"
        for (i = 0; i < n; i++) {
            if (i % 10 == 0) {
                printf "user%07d@example.com,marketing,manual,2027-01-31T00:00:00Z,\"moved, left\"\n", i
            } else {
                printf "user%07d@example.com,,hard_bounce,,\n", i
            }
        }
    }' >"$2"
}

# STEP ROWS COMMAND...: runs it under /usr/bin/time, prints "step rows seconds rows/s MiB".
measure() {
    local step=$1 n=$2
    shift 2
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" >"$work/out" 2>"$work/err" || {
        echo "run_suppression_list.sh: $step failed:" >&2
        cat "$work/out" "$work/err" >&2
        exit 1
    }
    read -r seconds kib <"$work/time"
    awk -v s="$step" -v n="$n" -v t="$seconds" -v k="$kib" \
        'BEGIN { printf "%-22s %9d %8.1f %10.0f %8.1f\n", s, n, t, (t > 0 ? n / t : 0), k / 1024 }'
}

run_backend() {
    local name=$1 n=$2 config=$3
    generate "$n" "$work/list.csv"
    measure "$name import csv" "$n" "$mailgate" suppressions import "$work/list.csv" \
        --config "$config" --by bench
    measure "$name export csv" "$n" "$mailgate" suppressions export "$work/out.csv" \
        --config "$config"
    measure "$name export jsonl" "$n" "$mailgate" suppressions export "$work/out.jsonl" \
        --config "$config"
    local exported
    exported=$(($(wc -l <"$work/out.csv") - 1))
    [ "$exported" = "$n" ] || { echo "$name: exported $exported of $n rows" >&2; exit 1; }
    measure "$name re-import jsonl" "$n" "$mailgate" suppressions import "$work/out.jsonl" \
        --config "$config" --by bench
}

printf '%-22s %9s %8s %10s %8s\n' step rows seconds rows/s "peak MiB"
cat >"$work/sqlite.yaml" <<YAML
storage:
  path: $work/var/mailgate.db
plugins:
  directory: $build/lib/mailgate/plugins
YAML
run_backend sqlite "$rows" "$work/sqlite.yaml"

if [ "$postgres" = 1 ]; then
    cd "$repo"
    . scripts/lib/postgres.sh
    postgres_start
    cat >"$work/pg.yaml" <<YAML
storage:
  backend: postgres
  url: env:MAILGATE_TEST_POSTGRES_URL
plugins:
  directory: $build/lib/mailgate/plugins
YAML
    run_backend postgres "$pg_rows" "$work/pg.yaml"
fi
