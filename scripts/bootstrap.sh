#!/usr/bin/env bash
# Installs the build and test dependencies from Debian 12's packages. Quick when they are
# already there: apt is only called for what dpkg says is missing.
set -euo pipefail

packages=(
    build-essential cmake ninja-build pkg-config
    libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
    libboost-program-options1.81-dev
    libyaml-cpp-dev libssl-dev libspdlog-dev libfmt-dev libsqlite3-dev libidn2-dev
    libunistring-dev # case folding of address local parts (libidn2 depends on the library)
    libpq-dev
    libgmime-3.0-dev # MIME parsing of bounce mail (core/bounces)
    libgoogle-perftools-dev # tcmalloc
    libgtest-dev postgresql
    # The IMAP poller's tests start their own Dovecot on a free loopback port
    # (scripts/lib/dovecot.sh); a system Dovecot the package may start is not used.
    dovecot-imapd
    clang libc++-dev libc++abi-dev
    clang-format # scripts/check_format.sh, a test
    curl ca-certificates
    python3 postfix
    chromium chromium-driver fonts-dejavu-core # the preference center's browser test
    systemd    # systemd-analyze verify on the installed unit (tests/package/install_test.sh)
)
packages+=("$@")

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "bootstrap: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# The interop test and the sending benchmark run Postfix's smtp-sink and smtp-source as plain
# programs; the mail server itself must stay unconfigured and stopped.
if printf '%s\n' "${missing[@]}" | grep -qx postfix; then
    echo "postfix postfix/main_mailer_type select No configuration" | $sudo debconf-set-selections
fi
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Dovecot is installed for its binaries only: the tests run their own (scripts/lib/dovecot.sh).
# A system Dovecot the package started (where systemd runs) would hold 143 and 993 for nothing.
if printf '%s\n' "${missing[@]}" | grep -qx dovecot-imapd && command -v systemctl >/dev/null; then
    $sudo systemctl disable --now dovecot.service dovecot.socket >/dev/null 2>&1 || true
fi
