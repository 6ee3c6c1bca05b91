#!/usr/bin/env bash
# Checks that a driver .so exports exactly mg_driver_entry: any other dynamic symbol could
# shadow, or be shadowed by, a symbol of the host or another driver.
# Usage: scripts/check_driver_exports.sh DRIVER.so...
set -euo pipefail
status=0
for so in "$@"; do
    symbols=$(nm -D --defined-only "$so" | awk '{print $NF}' | sort)
    if [ "$symbols" = "mg_driver_entry" ]; then
        echo "ok: $so exports only mg_driver_entry"
    else
        echo "FAILED: $so exports:" $symbols
        status=1
    fi
done
exit $status
