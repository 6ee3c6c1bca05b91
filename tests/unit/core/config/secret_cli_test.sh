#!/usr/bin/env bash
# `mailgate secret` on the real binary, through pipes. Usage: secret_cli_test.sh MAILGATE_BINARY
set -uo pipefail
mailgate=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unset MAILGATE_SECRET_KEY

fail() { echo "FAILED: $*"; echo "--- stderr:"; cat "$work/err"; exit 1; }
secret='correct horse battery staple'

"$mailgate" secret generate-key >"$work/key" 2>"$work/err" || fail "generate-key"
grep -qE '^[A-Za-z0-9+/]{43}=$' "$work/key" || fail "generate-key printed no base64 key"

value=$(printf '%s\n' "$secret" | "$mailgate" secret encrypt --key-file "$work/key" 2>"$work/err") ||
    fail "encrypt"
[[ $value == enc:v1:* ]] || fail "encrypt printed '$value'"

plain=$(printf '%s\n' "$value" | "$mailgate" secret decrypt --key-file "$work/key" 2>"$work/err") ||
    fail "decrypt"
[ "$plain" = "$secret" ] || fail "decrypt printed '$plain'"

# The key from the environment, as an operator's deploy script would give it.
plain=$(printf '%s' "$value" | MAILGATE_SECRET_KEY=$(cat "$work/key") "$mailgate" secret decrypt \
    2>"$work/err") || fail "decrypt with MAILGATE_SECRET_KEY"
[ "$plain" = "$secret" ] || fail "decrypt with MAILGATE_SECRET_KEY printed '$plain'"

"$mailgate" secret generate-key >"$work/other" 2>"$work/err" || fail "second generate-key"
printf '%s\n' "$value" | "$mailgate" secret decrypt --key-file "$work/other" >"$work/out" 2>"$work/err"
rc=$?
[ "$rc" = 1 ] || fail "decrypt with the wrong key exited $rc, expected 1"
grep -qx 'mailgate secret: cannot decrypt: wrong key or altered value' "$work/err" ||
    fail "decrypt with the wrong key gave another message"
[ ! -s "$work/out" ] || fail "decrypt with the wrong key printed something"
! grep -qF "$(cat "$work/other")" "$work/err" || fail "the key is in the error"

"$mailgate" secret encrypt </dev/null >"$work/out" 2>"$work/err"
rc=$?
[ "$rc" = 2 ] || fail "encrypt without a key exited $rc, expected 2"

"$mailgate" secret rot13 >"$work/out" 2>"$work/err"
rc=$?
[ "$rc" = 2 ] || fail "unknown action exited $rc, expected 2"
echo "OK"
