#!/usr/bin/env bash
# Usage: install_test.sh BUILD_DIR
# Installs everything into a temporary prefix and runs the installed gateway from there, with
# the installed configuration, drivers and secrets file: a clean environment, another working
# folder, nothing of the build tree on any path.
set -euo pipefail
build=$1
work=$(mktemp -d)
prefix=$work/prefix
pid=
cleanup() {
    [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

step() { echo "== $*"; }
fail() { echo "FAILED: $*"; [ -f "$work/serve.log" ] && { echo "--- serve log:"; cat "$work/serve.log"; }; exit 1; }
# The installed binary as a service runs it: no inherited environment, cwd elsewhere.
installed() { (cd "$work/elsewhere" && env -i PATH=/usr/bin:/bin "$@"); }

step "install all components to $prefix"
cmake --install "$build" --prefix "$prefix" >"$work/install.log"
for f in bin/mailgate etc/mailgate/mailgate.yaml etc/mailgate/mailgate.env \
    lib/systemd/system/mailgate.service include/mailgate/sdk/abi.h \
    lib/cmake/MailgateSDK/MailgateSDKConfig.cmake \
    lib/mailgate/plugins/mailgate-{legacy,mandrill,sendgrid,smtp}.so; do
    [ -f "$prefix/$f" ] || fail "$f is not installed"
done
[ "$(stat -c %a "$prefix/etc/mailgate/mailgate.env")" = 600 ] || fail "mailgate.env is not 0600"
config=$prefix/etc/mailgate/mailgate.yaml
grep -q "^  directory: $prefix/lib/mailgate/plugins$" "$config" || fail "plugins folder not the installed one"
grep -q "^  path: $prefix/var/lib/mailgate/mailgate.db" "$config" || fail "database not under $prefix/var/lib"
grep -q "^ExecStart=$prefix/bin/mailgate serve --config $config$" \
    "$prefix/lib/systemd/system/mailgate.service" || fail "unit's ExecStart not the installed paths"
if sed 's/#.*//' "$config" | grep -qE 'allow_unsigned|(token|key|password): *[^e ]'; then
    fail "the installed configuration writes a secret or accepts unsigned callbacks"
fi
mkdir "$work/elsewhere"

step "plugins lists the four installed drivers by default"
installed "$prefix/bin/mailgate" plugins >"$work/plugins.txt" 2>&1 || fail "plugins failed"
grep -q "^plugins folder $prefix/lib/mailgate/plugins: 4 driver(s) loaded" "$work/plugins.txt" \
    || { cat "$work/plugins.txt"; fail "not the installed plugins folder"; }
for d in legacy mandrill sendgrid smtp; do
    grep -q "^$d [0-9.]*$" "$work/plugins.txt" || fail "driver $d not listed"
done

step "check-config fails until the secrets file is filled in"
if installed "$prefix/bin/mailgate" check-config --config "$config" >"$work/unset.txt" 2>&1; then
    fail "check-config passed with mailgate.env's variables unset"
fi
grep -q "admin.token: environment variable MAILGATE_ADMIN_TOKEN" "$work/unset.txt" \
    || { cat "$work/unset.txt"; fail "check-config did not name the unset admin token"; }

step "check-config passes with the secrets file filled in"
# What an operator does: the generators mailgate.env names, written into the installed file.
admin_token=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d " \n")
attribution_key=$(installed "$prefix/bin/mailgate" secret generate-key)
sed -i "s|^MAILGATE_ADMIN_TOKEN=.*|MAILGATE_ADMIN_TOKEN=$admin_token|;
        s|^MAILGATE_ATTRIBUTION_KEY=.*|MAILGATE_ATTRIBUTION_KEY=$attribution_key|" \
    "$prefix/etc/mailgate/mailgate.env"
mapfile -t secrets < <(grep -E '^[A-Z_]+=.' "$prefix/etc/mailgate/mailgate.env")
[ "${#secrets[@]}" = 2 ] || fail "expected the admin token and attribution key in mailgate.env"
installed "${secrets[@]}" "$prefix/bin/mailgate" check-config --config "$config" \
    >"$work/check.txt" 2>&1 || { cat "$work/check.txt"; fail "check-config failed"; }
grep -q "OK (0 provider(s))" "$work/check.txt" || fail "check-config did not say OK"

step "serve starts, /healthz answers, the admin API takes the token, SIGTERM exits 0"
sed -i 's|^  listen: 127.0.0.1:8025|  listen: 127.0.0.1:0|' "$config" # any free port
(cd "$work/elsewhere" && exec env -i PATH=/usr/bin:/bin "${secrets[@]}" "$prefix/bin/mailgate" \
    serve --config "$config" --port-file "$work/port" >"$work/serve.log" 2>&1) &
pid=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
[ -s "$work/port" ] || fail "serve did not start listening"
port=$(cat "$work/port")
[ "$(curl -sS "http://127.0.0.1:$port/healthz")" = '{"status":"ok"}' ] || fail "/healthz"
status=$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $admin_token" \
    "http://127.0.0.1:$port/v1/suppressions")
[ "$status" = 200 ] || fail "admin API with the token from mailgate.env answered $status"
kill -TERM "$pid"
wait "$pid" || fail "serve exited $? on SIGTERM"
pid=
[ -f "$prefix/var/lib/mailgate/mailgate.db" ] || fail "no database at $prefix/var/lib/mailgate"
! grep -qF "$admin_token" "$work/serve.log" || fail "the admin token is in the log"
! grep -qF "$attribution_key" "$work/serve.log" || fail "the attribution key is in the log"

step "a second install keeps the operator's configuration"
cmake --install "$build" --prefix "$prefix" >"$work/install2.log"
grep -q "^  listen: 127.0.0.1:0" "$config" || fail "reinstall overwrote mailgate.yaml"
grep -q "^MAILGATE_ADMIN_TOKEN=$admin_token" "$prefix/etc/mailgate/mailgate.env" \
    || fail "reinstall overwrote mailgate.env"
[ -f "$config.new" ] || fail "no mailgate.yaml.new beside the kept file"

if command -v systemd-analyze >/dev/null; then
    step "systemd-analyze verify mailgate.service"
    unit=$prefix/lib/systemd/system/mailgate.service
    systemd-analyze verify "$unit" >"$work/verify.log" 2>&1 || { cat "$work/verify.log"; fail "verify"; }
    # verify exits 0 on unknown or misspelt keys: any line about the unit is a failure here.
    if grep -F "mailgate.service" "$work/verify.log"; then
        fail "systemd-analyze has remarks on the unit"
    fi
else
    echo "(systemd-analyze not installed: unit not verified)"
fi
echo "ok: install test"
