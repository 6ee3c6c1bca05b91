#!/usr/bin/env bash
# Installs what the build needs, builds the gateway and its drivers, and starts it on
# config/mailgate.yaml (or the file given as $1). Extra arguments go to `mailgate`.
set -euo pipefail
cd "$(dirname "$0")/.."

config=${1:-config/mailgate.yaml}
shift || true
scripts/bootstrap.sh
cmake -S . -B build -G Ninja >/dev/null
cmake --build build -j"$(nproc)" --target mailgate_runtime
build/bin/mailgate check-config --config "$config"
exec build/bin/mailgate serve --config "$config" "$@"
