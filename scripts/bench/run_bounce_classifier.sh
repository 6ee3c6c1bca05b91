#!/usr/bin/env bash
# Bounce classifier throughput: every file of the bounce-mail corpus, held in memory, classified
# over and over on one thread pinned to one core for SECONDS (default 10); prints messages/s.
# Issue 24's bar is 2,000 messages/s per core.
# Usage: scripts/bench/run_bounce_classifier.sh [BUILD_DIR] [SECONDS]   (default: build, 10)
# BOUNCE_CORPUS=DIR reads another folder of messages (default ../shared/corpus/bounce-mail/eml).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$repo/build}
seconds=${2:-10}
corpus=${BOUNCE_CORPUS:-$repo/../shared/corpus/bounce-mail/eml}
[ -d "$corpus" ] || { echo "run_bounce_classifier.sh: no corpus at $corpus" >&2; exit 1; }
cmake --build "$build" --target bounce_bench >/dev/null
bench=$(find "$build" -name bounce_bench -type f -perm -u+x | head -1)
pin=()
command -v taskset >/dev/null && pin=(taskset -c "${BENCH_CPU:-0}")
"${pin[@]}" "$bench" "$corpus" "$seconds"
