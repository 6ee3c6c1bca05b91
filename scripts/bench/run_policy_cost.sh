#!/usr/bin/env bash
# What the suppression policy costs the callback path: 1000-event legacy batches of soft bounces,
# each to a new address and counted by the default `repeated-soft-bounce` rule, with no rules at
# all (the router decides nothing: the ceiling), with the default rules, and with rules that
# suppress but count nothing. Interleaved, ROUNDS times
# (default 2), each on a new database; prints events/s and p99.
# Usage: scripts/bench/run_policy_cost.sh [DURATION_SECONDS]   (after scripts/run.sh built it)
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-10}
no_count_rules='suppression:
  rules:
    - {name: hard-bounce, kind: hard_bounce, action: suppress}
    - {name: complaint, kind: spam, action: suppress}
    - {name: unsubscribe, kind: unsubscribed, action: suppress}'

run() { # LABEL YAML
    local line
    line=$(BENCH_YAML=$2 BENCH_BATCHES=1000 BENCH_SUSTAINED_ROUNDS=0 BENCH_NGINX=0 \
        scripts/bench/run_callbacks.sh "$duration" | awk '$1 == "mailgate"')
    printf "%-28s %12s %10s\n" "$1" "$(echo "$line" | awk '{print $4}')" \
        "$(echo "$line" | awk '{print $6}')"
}

printf "%-28s %12s %10s\n" gateway events/s p99_ms
for _ in $(seq "${ROUNDS:-2}"); do
    run "no rules" "suppression: {rules: []}"
    run "default rules (counting)" ""
    run "rules that count nothing" "$no_count_rules"
done
