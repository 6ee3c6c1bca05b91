#!/usr/bin/env bash
# The bounce classifier's disagreements with sisimai on the bounce-mail corpus: one line per
# missed row (file, index, expected recipient/reason/hard-soft, what the classifier returned),
# then the misses by source MTA and the three agreement figures.
# Usage: scripts/bounce_misses.sh [BUILD_DIR]   (default: build)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$repo/build}
cmake --build "$build" --target bounces_tests >/dev/null
tests=$(find "$build" -name bounces_tests -type f -perm -u+x | head -1)
"$tests" --gtest_filter='bounce_corpus.*' | sed -n '/^miss /p; /^misses by/,/^reason agreement/p'
