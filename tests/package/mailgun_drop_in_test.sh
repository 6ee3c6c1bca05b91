#!/usr/bin/env bash
# Proof that an ESP is added by dropping in a plugin: installs the SDK of this build to a
# temporary prefix, builds sdk/examples/mailgun out of tree against it and runs its tests, then
# starts the real gateway on a plugins folder holding copies of the in-tree drivers, stops it,
# drops mailgate-mailgun.so in, adds a provider that uses it, restarts (nothing in the tree is
# rebuilt) and posts signed and forged Mailgun webhooks.
# Usage: mailgun_drop_in_test.sh BUILD_DIR SOURCE_DIR MAILGATE_BINARY IN_TREE_PLUGIN_DIR
set -euo pipefail
build=$1 source=$2 mailgate=$3 in_tree_plugins=$4
work=$(mktemp -d)
pid=""
cleanup() {
    if [ -n "$pid" ]; then
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

step() { echo "== $*"; }
fail() {
    echo "FAILED: $*"
    [ -f "$work/serve.log" ] && { echo "--- gateway log:"; cat "$work/serve.log"; }
    exit 1
}

admin_token=drop-in-admin-token-0123456789
signing_key=key-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
export MAILGATE_TEST_ATTRIBUTION_KEY=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=
export MAILGATE_TEST_MAILGUN_KEY=$signing_key

# Writes a Mailgun webhook body to stdout, signed the way Mailgun documents it:
# hex(HMAC-SHA256(key, timestamp + token)) over a fresh timestamp and a 50-character token.
cat >"$work/webhook.py" <<'PY'
import hashlib, hmac, json, secrets, sys, time
key, event, severity, recipient, meta, event_id = sys.argv[1:7]
timestamp = str(int(time.time()))
token = secrets.token_hex(25)
data = {"event": event, "id": event_id, "timestamp": time.time(), "recipient": recipient}
if severity:
    data.update({"severity": severity, "reason": "bounce",
                 "delivery-status": {"code": 550, "message": "5.1.1 user unknown"}})
if meta:
    data["user-variables"] = {"mailgate_meta": meta}
signature = hmac.new(key.encode(), (timestamp + token).encode(), hashlib.sha256).hexdigest()
print(json.dumps({"signature": {"timestamp": timestamp, "token": token, "signature": signature},
                  "event-data": data}))
PY
webhook() { python3 "$work/webhook.py" "$@"; }
# Exits non-zero unless the Python expression holds for the JSON document `d` in the file.
check_json() {
    python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); sys.exit(0 if eval("(" + sys.argv[2] + ")") else 1)' "$1" "$2" ||
        { echo "--- $1:"; cat "$1"; echo; fail "expected $2"; }
}

generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)

step "install the SDK component to $work/prefix"
cmake --install "$build" --component sdk --prefix "$work/prefix" >/dev/null

# The sanitizer pass (MAILGATE_SANITIZE) builds the example with the same sanitizers, so its own
# tests and the gateway that loads it are checked as the in-tree drivers are.
cxx_flags="-Wall -Wextra -Werror"
link_flags=""
if grep -q '^MAILGATE_SANITIZE:BOOL=ON$' "$build/CMakeCache.txt"; then
    cxx_flags+=" -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
    link_flags="-fsanitize=address,undefined"
fi

step "build sdk/examples/mailgun out of tree against it, warnings as errors, and run its tests"
cmake -S "$source/sdk/examples/mailgun" -B "$work/mailgun" "${generator[@]}" "${launcher[@]}" \
    -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_CXX_FLAGS="$cxx_flags" \
    -DCMAKE_EXE_LINKER_FLAGS="$link_flags" -DCMAKE_MODULE_LINKER_FLAGS="$link_flags" >/dev/null
cmake --build "$work/mailgun" >/dev/null
ctest --test-dir "$work/mailgun" --output-on-failure
bash "$source/scripts/check_driver_exports.sh" "$work/mailgun/mailgate-mailgun.so"

step "a gateway whose plugins folder holds copies of the in-tree drivers only"
mkdir -p "$work/plugins"
cp "$in_tree_plugins"/mailgate-*.so "$work/plugins/"
[ ! -e "$work/plugins/mailgate-mailgun.so" ] || fail "the in-tree build made a mailgun driver"
cat >"$work/mailgate.yaml" <<YAML
server:
  listen: 127.0.0.1:0
  public_url: https://gateway.test
storage:
  path: $work/var/mailgate.db
admin:
  token: $admin_token
attribution:
  key: env:MAILGATE_TEST_ATTRIBUTION_KEY
plugins:
  directory: $work/plugins
providers:
  - nickname: legacy
    driver: legacy
    host: 127.0.0.1
    port: 2525
    scheme: smtp
YAML

start() {
    rm -f "$work/port"
    "$mailgate" serve --config "$work/mailgate.yaml" --port-file "$work/port" \
        >>"$work/serve.log" 2>&1 &
    pid=$!
    for _ in $(seq 300); do
        [ -s "$work/port" ] && break
        kill -0 "$pid" 2>/dev/null || { pid=""; fail "mailgate exited at start-up"; }
        sleep 0.05
    done
    [ -s "$work/port" ] || fail "mailgate did not start listening"
    base="http://127.0.0.1:$(cat "$work/port")"
}
stop() {
    kill -TERM "$pid"
    local rc=0
    wait "$pid" || rc=$?
    pid=""
    [ "$rc" = 0 ] || fail "mailgate exited with $rc on SIGTERM"
}
# request METHOD PATH [curl args...]: the status to stdout, the body to $work/body.
request() {
    local method=$1 path=$2
    shift 2
    curl -sS --max-time 30 -X "$method" -o "$work/body" -w '%{http_code}' "$@" "$base$path"
}
admin() { request GET "$1" -H "Authorization: Bearer $admin_token"; }
post_webhook() {
    request POST /v1/callbacks/mailgun -H 'Content-Type: application/json' --data-binary "@$1"
}
expect_status() { [ "$1" = "$2" ] || { cat "$work/body"; echo; fail "HTTP $1, expected $2 ($3)"; }; }

start
expect_status "$(admin /v1/providers)" 200 "providers"
check_json "$work/body" '[p["nickname"] for p in d["items"]] == ["legacy"]'
webhook "$signing_key" delivered "" alice@example.com "" ev-0 >"$work/early.json"
expect_status "$(post_webhook "$work/early.json")" 404 "no mailgun provider yet"
stop

step "drop mailgate-mailgun.so in, add a provider that uses it, restart"
cp "$work/mailgun/mailgate-mailgun.so" "$work/plugins/"
cat >>"$work/mailgate.yaml" <<'YAML'
  - nickname: mailgun
    driver: mailgun
    username: postmaster@mg.example.com
    webhook_signing_key: env:MAILGATE_TEST_MAILGUN_KEY
YAML
"$mailgate" plugins --plugins "$work/plugins" >"$work/plugins.txt" 2>&1
grep -q '^mailgun 1\.0\.0$' "$work/plugins.txt" || fail "mailgate plugins does not list mailgun"
grep -qE '^    webhook_signing_key +string +required, secret ' "$work/plugins.txt" ||
    fail "mailgate plugins does not show the signing key as a required secret"
"$mailgate" check-config --config "$work/mailgate.yaml" >/dev/null || fail "check-config"
start
expect_status "$(admin /v1/providers)" 200 "providers"
check_json "$work/body" '[(p["nickname"], p["driver"], p["version"]) for p in d["items"]]
    == [("legacy", "legacy", "1.0.0"), ("mailgun", "mailgun", "1.0.0")]'

step "a signed permanent failure carrying a token from mailgate meta, and a signed complaint"
meta=$("$mailgate" meta --config "$work/mailgate.yaml" --email alice@example.com --message m1 \
    --campaign spring)
webhook "$signing_key" failed permanent alice@example.com "$meta" ev-1 >"$work/bounce.json"
expect_status "$(post_webhook "$work/bounce.json")" 200 "signed bounce"
check_json "$work/body" 'd["TOTAL_EVENTS"] == 1 and d["PROCESSED_EVENTS"] == 1 and d["UNPROCESSED_EVENTS"] == []'
webhook "$signing_key" complained "" bob@example.com "" ev-2 >"$work/complaint.json"
expect_status "$(post_webhook "$work/complaint.json")" 200 "signed complaint"
check_json "$work/body" 'd["PROCESSED_EVENTS"] == 1'

step "the events are stored, attributed, and suppress their addresses"
expect_status "$(admin '/v1/events?provider=mailgun')" 200 "events"
check_json "$work/body" 'len(d["items"]) == 2'
check_json "$work/body" '{k: d["items"][0][k] for k in ("driver", "kind", "email", "message_id",
    "campaign_id", "provider_event_id")} == {"driver": "mailgun@1.0.0", "kind": "hard_bounce",
    "email": "alice@example.com", "message_id": "m1", "campaign_id": "spring",
    "provider_event_id": "ev-1"}'
check_json "$work/body" 'd["items"][0]["description"] == "5.1.1 user unknown"'
check_json "$work/body" '(d["items"][1]["kind"], d["items"][1]["email"]) == ("spam", "bob@example.com")'
expect_status "$(admin /v1/suppressions/alice@example.com)" 200 "alice suppressed"
check_json "$work/body" 'd["reason"] == "hard_bounce" and d["provider"] == "mailgun"'
expect_status "$(admin /v1/suppressions/bob@example.com)" 200 "bob suppressed"
check_json "$work/body" 'd["reason"] == "spam"'
expect_status "$(admin /v1/reports/campaigns/spring)" 200 "campaign report"
check_json "$work/body" 'd["events"] == {"hard_bounce": 1}'

step "a retried webhook is a duplicate, not a second event"
expect_status "$(post_webhook "$work/bounce.json")" 200 "retry"
check_json "$work/body" 'd.get("DUPLICATE_EVENTS") == 1'

step "a forged signature, an unsigned body and a captured signature on another event are refused"
webhook "key-not-the-one-mailgun-has" failed permanent carol@example.com "" ev-3 >"$work/forged.json"
expect_status "$(post_webhook "$work/forged.json")" 401 "forged"
python3 -c 'import json, sys; b = json.load(open(sys.argv[1])); del b["signature"]; print(json.dumps(b))' \
    "$work/forged.json" >"$work/unsigned.json"
expect_status "$(post_webhook "$work/unsigned.json")" 401 "unsigned"
python3 -c 'import json, sys
b = json.load(open(sys.argv[1]))
b["event-data"].update({"id": "ev-4", "recipient": "dave@example.com"})
print(json.dumps(b))' "$work/bounce.json" >"$work/reused.json"
expect_status "$(post_webhook "$work/reused.json")" 401 "a captured signature on another event"
expect_status "$(admin '/v1/events?provider=mailgun')" 200 "events"
check_json "$work/body" 'len(d["items"]) == 2'
expect_status "$(admin /v1/suppressions/carol@example.com)" 404 "carol not suppressed"
expect_status "$(admin /v1/suppressions/dave@example.com)" 404 "dave not suppressed"
stop

! grep -qF "$signing_key" "$work/serve.log" || fail "the signing key is in the log"
echo "ok: mailgun drop-in test"
