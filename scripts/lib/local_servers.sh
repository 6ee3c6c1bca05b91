# shellcheck shell=bash disable=SC2034  # sets variables for the script that sources it
# Starts the local processes the outbound scripts drive: Postfix's smtp-sink on a free loopback
# port and `mailgate serve`. Sourced (bash); the caller stops $smtp_sink_pid and $gateway_pid.

# /usr/sbin is not on an ordinary user's PATH.
smtp_sink_binary=$(command -v smtp-sink || echo /usr/sbin/smtp-sink)
smtp_source_binary=$(command -v smtp-source || echo /usr/sbin/smtp-source)

# start_smtp_sink LOG [SMTP_SINK_OPTION...]: sets smtp_sink_pid and smtp_sink_port.
start_smtp_sink() {
    local log=$1
    shift
    local user=()
    # smtp-sink refuses to run as root without -u; as anyone else it could not switch users.
    [ "$(id -u)" -ne 0 ] || user=(-u "$(id -un)")
    # smtp-sink cannot report a port it chose, so try ports below Linux's ephemeral range until
    # one binds (a taken port makes it exit at once).
    for _ in $(seq 20); do
        smtp_sink_port=$((10000 + RANDOM % 22000))
        "$smtp_sink_binary" "${user[@]}" "$@" "127.0.0.1:$smtp_sink_port" 1024 >>"$log" 2>&1 &
        smtp_sink_pid=$!
        for _ in $(seq 100); do
            kill -0 "$smtp_sink_pid" 2>/dev/null || break
            if (exec 3<>"/dev/tcp/127.0.0.1/$smtp_sink_port") 2>/dev/null; then
                kill -0 "$smtp_sink_pid" 2>/dev/null && return 0
                break
            fi
            sleep 0.05
        done
        stop_process "$smtp_sink_pid"
    done
    echo "cannot start smtp-sink:" >&2
    cat "$log" >&2
    return 1
}

# start_gateway BINARY CONFIG DIR [SERVE_OPTION...]: sets gateway_pid and gateway_port; the
# gateway's output goes to DIR/gateway.log.
start_gateway() {
    local binary=$1 config=$2 dir=$3
    shift 3
    rm -f "$dir/port"
    "$binary" serve --config "$config" --port-file "$dir/port" "$@" >"$dir/gateway.log" 2>&1 &
    gateway_pid=$!
    for _ in $(seq 150); do
        if [ -s "$dir/port" ]; then
            gateway_port=$(cat "$dir/port")
            return 0
        fi
        kill -0 "$gateway_pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "mailgate did not start listening:" >&2
    cat "$dir/gateway.log" >&2
    return 1
}

# stop_process PID: SIGTERM, then waits for it (it must be a child of this shell). Safe under
# set -e: a process ended by the signal is what was asked for.
stop_process() {
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}
