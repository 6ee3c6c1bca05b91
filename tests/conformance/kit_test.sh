#!/usr/bin/env bash
# Runs the conformance kit on one driver and checks, from its JSON report, that exactly the
# named checks failed (none: the driver passes) and that the exit code agrees.
# Usage: kit_test.sh KIT DRIVER FIXTURES TIMEOUT_MS [FAILING_CHECK...]
set -uo pipefail
kit=$1 driver=$2 fixtures=$3 timeout_ms=$4
shift 4
expected=$(printf '%s\n' "$@" | sort | sed '/^$/d')
report=$(mktemp)
trap 'rm -f "$report"' EXIT

"$kit" "$driver" --fixtures "$fixtures" --timeout-ms "$timeout_ms" --json >"$report"
rc=$?
"$kit" "$driver" --fixtures "$fixtures" --timeout-ms "$timeout_ms" >/dev/null 2>&1
[ $? = $rc ] || { echo "FAILED: text and JSON runs disagree on the exit code"; exit 1; }

failed=$(python3 -c '
import json, sys
report = json.load(open(sys.argv[1]))
assert report["passed"] == (report["summary"]["failed"] == 0)
for c in report["checks"]:
    if c["result"] == "fail":
        print(c["name"])
' "$report" | sort)
echo "failed checks: ${failed:-none}"
python3 -m json.tool "$report" | grep -E '"(name|result|detail)"' | paste - - - | sed 's/  */ /g'
if [ "$failed" != "$expected" ]; then
    echo "FAILED: expected failing checks: ${expected:-none}"
    exit 1
fi
want_rc=1
[ -z "$expected" ] && want_rc=0
[ "$rc" = "$want_rc" ] || { echo "FAILED: exit code $rc, expected $want_rc"; exit 1; }
echo "ok"
