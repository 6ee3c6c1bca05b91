#!/usr/bin/env bash
# Usage: package_test.sh BUILD_DIR SOURCE_DIR MAILGATE_BINARY
set -euo pipefail
build=$1 source=$2 mailgate=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)

step() { echo "== $*"; }

step "install the SDK component to $work/prefix"
cmake --install "$build" --component sdk --prefix "$work/prefix" >/dev/null
test -f "$work/prefix/include/mailgate/sdk/abi.h"
test -f "$work/prefix/lib/cmake/MailgateSDK/MailgateSDKConfig.cmake"
test -f "$work/prefix/lib/cmake/MailgateSDK/driver.map"
test -x "$work/prefix/bin/mailgate-conformance"

step "build sdk/template against the installed package"
cmake -S "$source/sdk/template" -B "$work/template" "${generator[@]}" \
    -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/template" >/dev/null
ctest --test-dir "$work/template" --output-on-failure

step "the host loads it"
"$mailgate" plugins --plugins "$work/template" >"$work/plugins.txt" 2>&1
cat "$work/plugins.txt"
grep -q '^example 0\.1\.0$' "$work/plugins.txt"
grep -qE '^    token +string +required, secret ' "$work/plugins.txt"

step "the installed conformance kit passes the template with its fixtures"
"$work/prefix/bin/mailgate-conformance" "$work/template/mailgate-example.so" \
    --fixtures "$source/sdk/template/fixtures" | tee "$work/kit.txt"
grep -q '^PASS symbols ' "$work/kit.txt"
grep -q '^PASS fixture:events ' "$work/kit.txt"
grep -q '^PASS hostile:10mb ' "$work/kit.txt"
grep -qE '^PASSED: [0-9]+ passed, 0 failed' "$work/kit.txt"

step "an SDK of another major is not accepted"
mkdir -p "$work/major2"
cat >"$work/major2/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.20)
project(wants_major_2 LANGUAGES CXX)
find_package(MailgateSDK 2 CONFIG REQUIRED)
CMAKE
if cmake -S "$work/major2" -B "$work/major2/build" -DCMAKE_PREFIX_PATH="$work/prefix" \
    >"$work/major2.log" 2>&1; then
    echo "FAILED: find_package(MailgateSDK 2) accepted a 1.x SDK"
    exit 1
fi
grep -q "not accepted" "$work/major2.log"
echo "ok: package test"
