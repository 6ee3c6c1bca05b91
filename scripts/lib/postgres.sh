#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests and benchmarks, from Debian's `postgresql`
# package: a new cluster in a temporary folder, run as an unprivileged user (PostgreSQL refuses
# to run as root), on a free loopback port, with its Unix socket in that folder too.
#
# Sourced:   . scripts/lib/postgres.sh
#            postgres_start [server options...]   e.g. postgres_start -c fsync=off
#            ... MAILGATE_TEST_POSTGRES_URL is exported ...
#            postgres_stop                         (e.g. trap postgres_stop EXIT)
# Or run:    scripts/lib/postgres.sh -- COMMAND...  (starts, runs COMMAND, stops)

postgres_bin=${POSTGRES_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)}

# root cannot run the server: the package's own `postgres` user can, or else nobody.
postgres_user() {
    if [ "$(id -u)" -ne 0 ]; then
        id -un
    elif id postgres >/dev/null 2>&1; then
        echo postgres
    else
        echo nobody
    fi
}

postgres_as_user() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u "$postgres_owner" -- "$@"
    else
        "$@"
    fi
}

postgres_start() {
    if [ ! -x "$postgres_bin/initdb" ]; then
        echo "postgres.sh: no initdb; install the postgresql package (scripts/bootstrap.sh)" >&2
        return 1
    fi
    postgres_owner=$(postgres_user)
    postgres_dir=$(mktemp -d "${TMPDIR:-/tmp}/mailgate-pg.XXXXXX")
    mkdir -p "$postgres_dir/socket"
    chown -R "$postgres_owner" "$postgres_dir"
    chmod 755 "$postgres_dir"
    # trust: only this folder's socket and loopback reach it, and it lives for one run.
    postgres_as_user "$postgres_bin/initdb" -D "$postgres_dir/data" -U mailgate -A trust \
        -E UTF8 --locale=C.UTF-8 --no-sync >"$postgres_dir/initdb.log" 2>&1 || {
        cat "$postgres_dir/initdb.log" >&2
        return 1
    }
    local attempt
    for attempt in 1 2 3 4 5 6 7 8; do
        postgres_port=$((20000 + RANDOM % 40000))
        if postgres_as_user "$postgres_bin/pg_ctl" -D "$postgres_dir/data" -w -t 30 \
            -l "$postgres_dir/server.log" \
            -o "-c listen_addresses=127.0.0.1 -p $postgres_port \
                -c unix_socket_directories=$postgres_dir/socket -c max_connections=300 $*" \
            start >/dev/null; then
            postgres_as_user "$postgres_bin/createdb" -h "$postgres_dir/socket" \
                -p "$postgres_port" -U mailgate mailgate
            export MAILGATE_TEST_POSTGRES_URL="host=127.0.0.1 port=$postgres_port user=mailgate dbname=mailgate"
            return 0
        fi
        # Most likely the port was taken: another one.
    done
    cat "$postgres_dir/server.log" >&2
    return 1
}

postgres_stop() {
    if [ -n "${postgres_dir:-}" ] && [ -d "$postgres_dir" ]; then
        postgres_as_user "$postgres_bin/pg_ctl" -D "$postgres_dir/data" -m immediate stop \
            >/dev/null 2>&1 || true
        rm -rf "$postgres_dir"
    fi
    postgres_dir=
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -euo pipefail
    [ "${1:-}" = "--" ] && shift
    trap postgres_stop EXIT
    postgres_start
    "$@"
fi
