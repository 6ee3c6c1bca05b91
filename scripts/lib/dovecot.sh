#!/usr/bin/env bash
# A throwaway IMAP server for the tests, from Debian's `dovecot-imapd` package: Dovecot with a
# configuration of its own in a temporary folder, run as an unprivileged user (no chroot, no
# privilege changes), on a free loopback port; one user from a passwd file, whose mail is a
# Maildir in that folder. Nothing of the system's Dovecot (/etc/dovecot, ports 143 and 993) is
# used. Plain LOGIN is allowed: the server is on loopback and lives for one test.
#
#   scripts/lib/dovecot.sh start DIR [--tls] [--capability "IMAP4rev1 ..."]
#   scripts/lib/dovecot.sh stop DIR
#
# `start` makes DIR (which must not exist or be empty) and writes there: `port` (plain IMAP),
# `tls_port` (implicit TLS with a throwaway self-signed certificate, with --tls), `user` and
# `password`, and the Maildir in `mail/` (INBOX: mail/{new,cur,tmp}; a folder a/b:
# mail/.a.b/). --capability replaces what the server announces after login (e.g. without
# IDLE, MOVE or UIDPLUS, to take the client's other paths). Mail is delivered by writing a file
# into mail/tmp/ and renaming it into mail/new/, as any Maildir delivery does: the test owns it.
#
# Sourced:   . scripts/lib/dovecot.sh; dovecot_start DIR [...]; dovecot_stop DIR
set -euo pipefail

dovecot_bin=${DOVECOT_BIN:-/usr/sbin/dovecot}

# root cannot be the unprivileged user: the package's own `dovecot` user can, or else nobody.
dovecot_owner() {
    if [ "$(id -u)" -ne 0 ]; then
        id -un
    elif id dovecot >/dev/null 2>&1; then
        echo dovecot
    else
        echo nobody
    fi
}

dovecot_as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u "$1" -- "${@:2}"
    else
        "${@:2}"
    fi
}

dovecot_write_config() {
    local dir=$1 owner=$2 group=$3 port=$4 tls_port=$5 capability=$6
    local ssl_settings="ssl = no"
    if [ -n "$tls_port" ]; then
        ssl_settings="ssl = yes
ssl_cert = <$dir/tls/cert.pem
ssl_key = <$dir/tls/key.pem"
    fi
    cat >"$dir/dovecot.conf" <<EOF
protocols = imap
listen = 127.0.0.1
base_dir = $dir/run
state_dir = $dir/state
instance_name = mailgate-test-$port
log_path = $dir/dovecot.log
info_log_path = $dir/dovecot.log
default_login_user = $owner
default_internal_user = $owner
default_internal_group = $group
disable_plaintext_auth = no
auth_mechanisms = plain login
$ssl_settings
mail_location = maildir:$dir/mail
mail_uid = $owner
mail_gid = $group
first_valid_uid = 0
mail_fsync = never
namespace inbox {
  inbox = yes
  separator = /
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dir/passwd
}
userdb {
  driver = static
  args = uid=$owner gid=$group home=$dir/home
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = $port
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = ${tls_port:-0}
  }
}
service anvil {
  chroot =
}
service auth {
  user = $owner
}
service auth-worker {
  user = $owner
}
service stats {
  chroot =
}
EOF
    if [ -n "$capability" ]; then
        echo "imap_capability = $capability" >>"$dir/dovecot.conf"
    fi
}

dovecot_make_certificate() {
    local dir=$1
    mkdir -p "$dir/tls"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=localhost" \
        -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
        -keyout "$dir/tls/key.pem" -out "$dir/tls/cert.pem" >/dev/null 2>&1
}

dovecot_start() {
    local dir=$1 tls=0 capability=""
    shift
    while [ $# -gt 0 ]; do
        case $1 in
        --tls) tls=1 ;;
        --capability) capability=$2; shift ;;
        *) echo "dovecot.sh: unknown option $1" >&2; return 1 ;;
        esac
        shift
    done
    if [ ! -x "$dovecot_bin" ]; then
        echo "dovecot.sh: no $dovecot_bin; install the dovecot-imapd package (scripts/bootstrap.sh)" >&2
        return 1
    fi
    local owner group
    owner=$(dovecot_owner)
    group=$(id -gn "$owner")
    mkdir -p "$dir/run" "$dir/state" "$dir/home" "$dir/mail/new" "$dir/mail/cur" "$dir/mail/tmp"
    local password
    password="pw-$RANDOM$RANDOM\"quoted\\ and spaced"
    echo "mailgate" >"$dir/user"
    printf '%s' "$password" >"$dir/password"
    # passwd-file: user:{PLAIN}password:...; the password has no colon.
    printf 'mailgate:{PLAIN}%s::::::\n' "$password" >"$dir/passwd"
    [ "$tls" = 1 ] && dovecot_make_certificate "$dir"
    chown -R "$owner:$group" "$dir"
    chmod 755 "$dir"
    local port tls_port=""
    for _ in 1 2 3 4 5 6 7 8; do
        port=$((20000 + RANDOM % 40000))
        [ "$tls" = 1 ] && tls_port=$((port + 1))
        dovecot_write_config "$dir" "$owner" "$group" "$port" "$tls_port" "$capability"
        chown "$owner:$group" "$dir/dovecot.conf"
        if dovecot_as_owner "$owner" "$dovecot_bin" -c "$dir/dovecot.conf" 2>>"$dir/start.log"; then
            # The master forks its listeners: wait until the port answers.
            for _ in $(seq 1 100); do
                if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
                    echo "$port" >"$dir/port"
                    [ -n "$tls_port" ] && echo "$tls_port" >"$dir/tls_port"
                    return 0
                fi
                sleep 0.05
            done
            dovecot_stop "$dir"
        fi
        # Most likely a port was taken: others.
    done
    cat "$dir/start.log" "$dir/dovecot.log" >&2 2>/dev/null || true
    return 1
}

dovecot_stop() {
    local dir=$1
    if [ -f "$dir/run/master.pid" ]; then
        kill "$(cat "$dir/run/master.pid")" 2>/dev/null || true
        for _ in $(seq 1 100); do
            [ -f "$dir/run/master.pid" ] || break
            kill -0 "$(cat "$dir/run/master.pid" 2>/dev/null)" 2>/dev/null || break
            sleep 0.05
        done
    fi
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    case ${1:-} in
    start) shift; dovecot_start "$@" ;;
    stop) dovecot_stop "$2" ;;
    *) echo "usage: dovecot.sh start DIR [--tls] [--capability CAPS] | stop DIR" >&2; exit 2 ;;
    esac
fi
