#!/usr/bin/env bash
# Installs what the build needs, builds everything (warnings are errors) and runs every test.
# Works on a fresh Debian 12 machine; CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

jobs=$(nproc)
scripts/bootstrap.sh
cmake -S . -B build -G Ninja -DMAILGATE_BUILD_TESTS=ON -DMAILGATE_WERROR=ON
cmake --build build -j"$jobs"
ctest --test-dir build -j"$jobs" --output-on-failure
