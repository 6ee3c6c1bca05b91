#!/usr/bin/env bash
# Installs what the build needs, builds everything (warnings are errors) and runs every test.
# Works on a fresh Debian 12 machine; CI runs exactly this, with MAILGATE_TEST_SANITIZE=1.
# The PostgreSQL tests run against a throwaway server (scripts/lib/postgres.sh) started here
# and stopped on exit.
#
# MAILGATE_TEST_SANITIZE=1 also builds everything with AddressSanitizer and
# UndefinedBehaviorSanitizer in build-asan/ and runs every test again there (leaks included).
# MAILGATE_TEST_FUZZ=1 also runs every fuzz target (scripts/fuzz.sh) for a smoke run of
# MAILGATE_FUZZ_SECONDS (default 30) each.
set -euo pipefail
cd "$(dirname "$0")/.."

jobs=$(nproc)
scripts/bootstrap.sh
cmake -S . -B build -G Ninja -DMAILGATE_BUILD_TESTS=ON -DMAILGATE_WERROR=ON
cmake --build build -j"$jobs"
. scripts/lib/postgres.sh
# fsync off: the server lives for this run only, and the tests check commits, not disks.
trap postgres_stop EXIT
postgres_start -c fsync=off -c full_page_writes=off
ctest --test-dir build -j"$jobs" --output-on-failure

# Before the sanitizer pass, so that a run's last lines are ctest's summary.
if [ "${MAILGATE_TEST_FUZZ:-0}" = 1 ]; then
    scripts/fuzz.sh "${MAILGATE_FUZZ_SECONDS:-30}"
fi

if [ "${MAILGATE_TEST_SANITIZE:-0}" = 1 ]; then
    cmake -S . -B build-asan -G Ninja -DMAILGATE_BUILD_TESTS=ON -DMAILGATE_WERROR=ON \
        -DMAILGATE_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
    cmake --build build-asan -j"$jobs"
    ASAN_OPTIONS=detect_leaks=1 ctest --test-dir build-asan -j"$jobs" --output-on-failure
fi
